-- Ledger operations in two round trips (activities/ledger/snapshot.ts): the
-- ledger reads an operation's whole state in one statement (ledger_snapshot),
-- the domain decides in TypeScript, and ledger_apply writes the decision in one
-- statement only if, under the operation's locks, the state is still the one
-- decided on. Otherwise it writes nothing and says so. "The same" is judged by a
-- hash of the text of every row the state was built from (whole rows, so more
-- than the decision reads: a superset is safe), cheap enough to take twice.
-- Function bodies are E-strings with \073 for the semicolon because the pg driver
-- adapter splits migration scripts on every semicolon, even inside quotes and comments.

-- An instant as the ledger's ISO string (timestamps are stored as UTC without a zone).
-- STABLE like to_char, so the planner inlines it (and ledger_coupon_json).
CREATE FUNCTION "ledger_instant"(t timestamp) RETURNS text LANGUAGE sql STABLE AS
'SELECT to_char(t, ''YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'')';

-- A coupon row as JSON, decimals as text so no amount passes through a float.
CREATE FUNCTION "ledger_coupon_json"(c "Coupon") RETURNS jsonb LANGUAGE sql STABLE AS
'SELECT jsonb_build_object(
  ''id'', c."id", ''couponNumber'', c."couponNumber", ''ownerAccountId'', c."ownerAccountId",
  ''kind'', c."kind", ''currency'', c."currency",
  ''faceValue'', c."faceValue"::text, ''balance'', c."balance"::text,
  ''threshold'', c."threshold"::text, ''discountPercent'', c."discountPercent"::text,
  ''effectiveAt'', ledger_instant(c."effectiveAt"), ''expiresAt'', ledger_instant(c."expiresAt"),
  ''scopeType'', c."scopeType", ''scopeProductCodes'', to_jsonb(c."scopeProductCodes"),
  ''allProducts'', c."allProducts", ''channel'', c."channel", ''orderTypes'', to_jsonb(c."orderTypes"),
  ''consumptionType'', c."consumptionType",
  ''minDurationMonths'', c."minDurationMonths", ''maxDurationMonths'', c."maxDurationMonths",
  ''combinable'', c."combinable", ''status'', c."status", ''frozenForOrderId'', c."frozenForOrderId",
  ''source'', c."source",
  ''createdAt'', ledger_instant(c."createdAt"), ''updatedAt'', ledger_instant(c."updatedAt"))';

-- Coupons shared with the account by live shares (activities/ledger/access.ts
-- resolveAccess): to a list naming it, or to its organization while the coupon's
-- owner is still in that organization. Sorted, distinct. The functions with
-- queries are PL/pgSQL, which keeps their plans per connection.
CREATE FUNCTION "ledger_shared_coupon_ids"(p_account text) RETURNS text[] LANGUAGE plpgsql STABLE AS
E'BEGIN RETURN (SELECT COALESCE(array_agg(DISTINCT s."couponId" ORDER BY s."couponId"), ''{}'')
 FROM "CouponShare" s
 WHERE s."cancelledAt" IS NULL
   AND ((s."scope" = ''accounts'' AND p_account = ANY(s."accountIds"))
     OR (s."scope" = ''organization''
         AND s."organizationId" = (SELECT a."organizationId" FROM "Account" a WHERE a."id" = p_account)
         AND EXISTS (SELECT 1 FROM "Coupon" sc JOIN "Account" o ON o."id" = sc."ownerAccountId"
                     WHERE sc."id" = s."couponId" AND o."organizationId" = s."organizationId"))))\073
END';

-- deductCoupon: locks operation key, order (advisory), coupon. Its state: the
-- coupon, and the deduction quoted by its latest freeze for the order (that
-- freeze operation's stored result). p_json: also build the state as JSON.
CREATE FUNCTION "ledger_deduct_snapshot"(p_key text, p_coupon text, p_order text,
                                         p_lock boolean, p_json boolean)
RETURNS jsonb LANGUAGE plpgsql AS E'
DECLARE
  v_coupon "Coupon"\073
  v_quoted text\073
BEGIN
  IF p_lock THEN
    PERFORM pg_advisory_xact_lock(5101, hashtext(p_key))\073
    PERFORM pg_advisory_xact_lock(5102, hashtext(p_order))\073
    SELECT * INTO v_coupon FROM "Coupon" c WHERE c."id" = p_coupon FOR UPDATE\073
  ELSE
    SELECT * INTO v_coupon FROM "Coupon" c WHERE c."id" = p_coupon\073
  END IF\073
  v_quoted := (
    SELECT CASE WHEN jsonb_typeof(o."result"->''deduction'') = ''string'' THEN o."result"->>''deduction'' END
    FROM "CouponMovement" m LEFT JOIN "Operation" o ON o."key" = m."operationKey"
    WHERE m."couponId" = p_coupon AND m."orderId" = p_order AND m."kind" = ''freeze''
    ORDER BY m."id" DESC LIMIT 1)\073
  RETURN jsonb_build_object(
    ''operation'', ledger_stored_operation(p_key),
    ''stateHash'', md5(ROW(v_coupon, v_quoted)::text),
    ''state'', CASE WHEN p_json THEN jsonb_build_object(
      ''coupon'', CASE WHEN v_coupon."id" IS NULL THEN NULL ELSE ledger_coupon_json(v_coupon) END,
      ''quotedDeduction'', v_quoted) END)\073
END';

-- drawDownBill: locks operation key, account, then its candidate coupons (own
-- and shared, active) by id. Its state: the account (arrears), the coupons
-- shared with it (judged again under the coupon locks), the candidates still
-- accessible, the product, the bill's stored amount, and what coupons already
-- drew for the bill (deduct and return movements, with the deduction a
-- single-use coupon's operation recorded).
CREATE FUNCTION "ledger_drawdown_snapshot"(p_key text, p_account text, p_bill text, p_commodity text,
                                           p_lock boolean, p_json boolean)
RETURNS jsonb LANGUAGE plpgsql AS E'
DECLARE
  v_account "Account"\073
  v_shared text[]\073
  v_candidates text[]\073
  v_coupons "Coupon"[]\073
  v_product "Product"\073
  v_bill_amount numeric\073
  v_movements jsonb\073
BEGIN
  IF p_lock THEN
    PERFORM pg_advisory_xact_lock(5101, hashtext(p_key))\073
    SELECT * INTO v_account FROM "Account" a WHERE a."id" = p_account FOR UPDATE\073
  ELSE
    SELECT * INTO v_account FROM "Account" a WHERE a."id" = p_account\073
  END IF\073
  v_shared := ledger_shared_coupon_ids(p_account)\073
  -- Own, then shared (not own), each by an index: no sort or hash to deduplicate.
  v_candidates := ARRAY(
      SELECT o."id" FROM "Coupon" o
      WHERE o."ownerAccountId" = p_account AND o."status" IN (''available'', ''frozen''))
    || ARRAY(
      SELECT s."id" FROM "Coupon" s
      WHERE s."id" = ANY(v_shared) AND s."ownerAccountId" <> p_account
        AND s."status" IN (''available'', ''frozen''))\073
  IF p_lock THEN
    PERFORM 1 FROM "Coupon" c WHERE c."id" = ANY(v_candidates) ORDER BY c."id" FOR UPDATE\073
    v_shared := ledger_shared_coupon_ids(p_account)\073
  END IF\073
  v_coupons := ARRAY(
    SELECT c FROM "Coupon" c
    WHERE c."id" = ANY(v_candidates) AND (c."ownerAccountId" = p_account OR c."id" = ANY(v_shared))
    ORDER BY c."id")\073
  SELECT * INTO v_product FROM "Product" p WHERE p."commodityCode" = p_commodity\073
  v_bill_amount := (SELECT b."amount" FROM "Bill" b WHERE b."id" = p_bill)\073
  v_movements := COALESCE((
    SELECT jsonb_agg(jsonb_build_object(
             ''couponId'', m."couponId", ''couponKind'', c."kind", ''kind'', m."kind",
             ''balanceDelta'', m."balanceDelta"::text,
             ''deducted'', CASE WHEN jsonb_typeof(o."result"->''deducted'') = ''string''
                              THEN o."result"->>''deducted'' END) ORDER BY m."id")
    FROM "CouponMovement" m JOIN "Coupon" c ON c."id" = m."couponId"
    LEFT JOIN "Operation" o ON o."key" = m."operationKey" AND c."kind" <> ''cash'' AND m."kind" = ''deduct''
    WHERE m."billId" = p_bill AND m."kind" IN (''deduct'', ''return'')), ''[]'')\073
  RETURN jsonb_build_object(
    ''operation'', ledger_stored_operation(p_key),
    ''stateHash'', md5(ROW(v_account, v_shared, v_coupons, v_product, v_bill_amount, v_movements)::text),
    ''state'', CASE WHEN p_json THEN jsonb_build_object(
      ''account'', CASE WHEN v_account."id" IS NULL THEN NULL ELSE jsonb_build_object(
        ''id'', v_account."id", ''organizationId'', v_account."organizationId",
        ''arrears'', v_account."arrears"::text) END,
      ''sharedCouponIds'', to_jsonb(v_shared),
      ''coupons'', COALESCE((SELECT jsonb_agg(ledger_coupon_json(c) ORDER BY c."id") FROM unnest(v_coupons) c), ''[]''),
      ''product'', CASE WHEN v_product."commodityCode" IS NULL THEN NULL ELSE jsonb_build_object(
        ''productCode'', v_product."productCode", ''commodityCode'', v_product."commodityCode",
        ''channel'', v_product."channel", ''physicalGood'', v_product."physicalGood",
        ''thirdParty'', v_product."thirdParty", ''name'', v_product."name") END,
      ''billAmount'', v_bill_amount::text,
      ''billMovements'', v_movements) END)\073
END';

-- The key's stored Operation (null: not done).
CREATE FUNCTION "ledger_stored_operation"(p_key text) RETURNS jsonb LANGUAGE plpgsql STABLE AS E'
BEGIN
  RETURN (SELECT jsonb_build_object(''kind'', o."kind", ''requestHash'', o."requestHash", ''result'', o."result")
          FROM "Operation" o WHERE o."key" = p_key)\073
END';

-- One read of an operation's state: {operation, stateHash, state}. p_lock: take
-- the operation's locks first, in the ledger's lock order (activities/ledger/locks.ts:
-- operation key, accounts, order, coupons by id), held to the end of the caller's
-- transaction. Without p_lock it is a plain read.
CREATE FUNCTION "ledger_snapshot"(p_operation text, p_key text, p_args jsonb, p_lock boolean,
                                  p_json boolean DEFAULT true)
RETURNS jsonb LANGUAGE plpgsql AS E'
BEGIN
  IF p_operation = ''deductCoupon'' THEN
    RETURN ledger_deduct_snapshot(p_key, p_args->>''couponId'', p_args->>''orderId'', p_lock, p_json)\073
  ELSIF p_operation = ''drawDownBill'' THEN
    RETURN ledger_drawdown_snapshot(p_key, p_args->>''accountId'', p_args->>''billId'',
                                    p_args->>''commodityCode'', p_lock, p_json)\073
  END IF\073
  RAISE EXCEPTION ''ledger_snapshot: unknown operation %'', p_operation\073
END';

-- Writes a decided operation: under the operation's locks, if the key is not
-- done and the state still hashes to p_state_hash, updates each changed coupon
-- and appends its movement, sets the bill's coupon deduction, and stores the
-- Operation, all in the caller's transaction. Outcomes: applied, stored (the
-- key is done: its Operation is returned), changed (nothing written).
CREATE FUNCTION "ledger_apply"(p_operation text, p_key text, p_args jsonb, p_state_hash text,
                               p_request_hash text, p_result jsonb, p_changes jsonb)
RETURNS jsonb LANGUAGE plpgsql AS E'
DECLARE
  v_snapshot jsonb\073
  v_change jsonb\073
  v_now timestamp(3) := now() AT TIME ZONE ''UTC''\073
BEGIN
  v_snapshot := ledger_snapshot(p_operation, p_key, p_args, true, false)\073
  IF jsonb_typeof(v_snapshot->''operation'') = ''object'' THEN
    RETURN jsonb_build_object(''outcome'', ''stored'', ''operation'', v_snapshot->''operation'')\073
  END IF\073
  IF v_snapshot->>''stateHash'' IS DISTINCT FROM p_state_hash THEN
    RETURN jsonb_build_object(''outcome'', ''changed'')\073
  END IF\073
  FOR v_change IN SELECT value FROM jsonb_array_elements(p_changes->''coupons'') LOOP
    UPDATE "Coupon" SET
      "balance" = (v_change->>''balanceAfter'')::numeric,
      "status" = (v_change->>''statusAfter'')::"CouponStatus",
      "frozenForOrderId" = v_change->>''frozenForOrderId'',
      "updatedAt" = v_now
    WHERE "id" = v_change->>''couponId''\073
    IF NOT FOUND THEN
      RAISE EXCEPTION ''ledger_apply: no coupon %'', v_change->>''couponId''\073
    END IF\073
    INSERT INTO "CouponMovement" ("couponId", "kind", "balanceDelta", "balanceAfter", "statusAfter",
                                  "orderId", "billId", "operationKey", "note", "createdAt")
    VALUES (v_change->>''couponId'', (v_change->>''kind'')::"CouponMovementKind",
            (v_change->>''balanceDelta'')::numeric, (v_change->>''balanceAfter'')::numeric,
            (v_change->>''statusAfter'')::"CouponStatus", v_change->>''orderId'', v_change->>''billId'',
            p_key, v_change->>''note'', v_now)\073
  END LOOP\073
  IF p_changes ? ''billCouponDeduction'' THEN
    UPDATE "Bill" SET "couponDeduction" = (p_changes->>''billCouponDeduction'')::numeric, "updatedAt" = v_now
    WHERE "id" = p_args->>''billId''\073
  END IF\073
  INSERT INTO "Operation" ("key", "kind", "requestHash", "result", "createdAt")
  VALUES (p_key, p_operation, p_request_hash, p_result, v_now)\073
  RETURN jsonb_build_object(''outcome'', ''applied'')\073
END';
