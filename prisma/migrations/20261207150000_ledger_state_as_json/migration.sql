-- The decided operations build their state as json, not jsonb (activities/ledger/snapshot.ts).
-- A jsonb value is a parsed tree: building one per coupon and then printing it for the
-- wire cost more than half of a drawdown read (bench/RESULTS.md, 2026-12-07). A json
-- value is its text, written once. A coupon row is now row_to_json of a typed row whose
-- amounts are text (no amount passes through a float), about a third of the cost of
-- to_jsonb of the Coupon row. Instants come out as row_to_json writes a timestamp,
-- ISO 8601 without a zone, in UTC, as before. The state hash is unchanged: it is still
-- the md5 of the rows themselves. Bodies use \073 for the semicolon (see
-- 20261201000000_ledger_snapshot_operations). No apostrophes or semicolons in these
-- comments: the driver adapter splits migration scripts on semicolons and reads an
-- apostrophe as a quote.

-- A Coupon row as the state carries it: every column, amounts as text.
CREATE TYPE "ledger_coupon_state" AS (
  "id" text, "couponNumber" text, "ownerAccountId" text, "kind" "CouponKind", "currency" text,
  "faceValue" text, "balance" text, "threshold" text, "discountPercent" text,
  "effectiveAt" timestamp(3), "expiresAt" timestamp(3), "scopeType" text, "scopeProductCodes" text[],
  "allProducts" boolean, "channel" text, "orderTypes" text[], "consumptionType" text,
  "minDurationMonths" integer, "maxDurationMonths" integer, "combinable" boolean,
  "status" "CouponStatus", "frozenForOrderId" text, "source" text,
  "createdAt" timestamp(3), "updatedAt" timestamp(3));

-- One coupon as json. SQL and STABLE, so the planner inlines it.
CREATE FUNCTION "ledger_coupon_state_json"(c "Coupon") RETURNS json LANGUAGE sql STABLE AS
'SELECT row_to_json(ROW(c."id", c."couponNumber", c."ownerAccountId", c."kind", c."currency",
  c."faceValue"::text, c."balance"::text, c."threshold"::text, c."discountPercent"::text,
  c."effectiveAt", c."expiresAt", c."scopeType", c."scopeProductCodes",
  c."allProducts", c."channel", c."orderTypes", c."consumptionType",
  c."minDurationMonths", c."maxDurationMonths", c."combinable",
  c."status", c."frozenForOrderId", c."source", c."createdAt", c."updatedAt")::"ledger_coupon_state")';


-- The key stored Operation as json (null: not done).
CREATE FUNCTION "ledger_stored_operation_json"(p_key text) RETURNS json LANGUAGE plpgsql STABLE AS E'
BEGIN
  RETURN (SELECT json_build_object(''kind'', o."kind", ''requestHash'', o."requestHash", ''result'', o."result")
          FROM "Operation" o WHERE o."key" = p_key)\073
END';

-- The three reads return json from now on: a return type cannot be replaced, so each
-- is dropped and created again (PL/pgSQL callers bind them by name when they run).
DROP FUNCTION "ledger_snapshot"(text, text, jsonb, boolean, boolean);
DROP FUNCTION "ledger_deduct_snapshot"(text, text, text, boolean, boolean);
DROP FUNCTION "ledger_drawdown_snapshot"(text, text, text, text, boolean, boolean);
DROP FUNCTION "ledger_freeze_snapshot"(text, text, text, text, text, boolean, boolean);
DROP FUNCTION "ledger_coupon_json"("Coupon");
DROP FUNCTION "ledger_stored_operation"(text);

-- deductCoupon, as in 20261201000000_ledger_snapshot_operations.
CREATE FUNCTION "ledger_deduct_snapshot"(p_key text, p_coupon text, p_order text,
                                         p_lock boolean, p_json boolean)
RETURNS json LANGUAGE plpgsql AS E'
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
  RETURN json_build_object(
    ''operation'', ledger_stored_operation_json(p_key),
    ''stateHash'', md5(ROW(v_coupon, v_quoted)::text),
    ''state'', CASE WHEN p_json THEN json_build_object(
      ''coupon'', CASE WHEN v_coupon."id" IS NULL THEN NULL ELSE ledger_coupon_state_json(v_coupon) END,
      ''quotedDeduction'', v_quoted) END)\073
END';

-- drawDownBill, as in 20261201000000_ledger_snapshot_operations.
CREATE FUNCTION "ledger_drawdown_snapshot"(p_key text, p_account text, p_bill text, p_commodity text,
                                           p_lock boolean, p_json boolean)
RETURNS json LANGUAGE plpgsql AS E'
DECLARE
  v_account "Account"\073
  v_shared text[]\073
  v_candidates text[]\073
  v_coupons "Coupon"[]\073
  v_product "Product"\073
  v_bill_amount numeric\073
  v_movements json\073
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
    SELECT json_agg(json_build_object(
             ''couponId'', m."couponId", ''couponKind'', c."kind", ''kind'', m."kind",
             ''balanceDelta'', m."balanceDelta"::text,
             ''deducted'', CASE WHEN jsonb_typeof(o."result"->''deducted'') = ''string''
                              THEN o."result"->>''deducted'' END) ORDER BY m."id")
    FROM "CouponMovement" m JOIN "Coupon" c ON c."id" = m."couponId"
    LEFT JOIN "Operation" o ON o."key" = m."operationKey" AND c."kind" <> ''cash'' AND m."kind" = ''deduct''
    WHERE m."billId" = p_bill AND m."kind" IN (''deduct'', ''return'')), ''[]''::json)\073
  RETURN json_build_object(
    ''operation'', ledger_stored_operation_json(p_key),
    ''stateHash'', md5(ROW(v_account, v_shared, v_coupons, v_product, v_bill_amount, v_movements::text)::text),
    ''state'', CASE WHEN p_json THEN json_build_object(
      ''account'', CASE WHEN v_account."id" IS NULL THEN NULL ELSE json_build_object(
        ''id'', v_account."id", ''organizationId'', v_account."organizationId",
        ''arrears'', v_account."arrears"::text) END,
      ''sharedCouponIds'', to_json(v_shared),
      ''coupons'', COALESCE((SELECT json_agg(ledger_coupon_state_json(c) ORDER BY c."id") FROM unnest(v_coupons) c), ''[]''),
      ''product'', CASE WHEN v_product."commodityCode" IS NULL THEN NULL ELSE json_build_object(
        ''productCode'', v_product."productCode", ''commodityCode'', v_product."commodityCode",
        ''channel'', v_product."channel", ''physicalGood'', v_product."physicalGood",
        ''thirdParty'', v_product."thirdParty", ''name'', v_product."name") END,
      ''billAmount'', v_bill_amount::text,
      ''billMovements'', v_movements) END)\073
END';

-- freezeCouponForOrder, as in 20261201100000_ledger_freeze_snapshot.
CREATE FUNCTION "ledger_freeze_snapshot"(p_key text, p_account text, p_coupon text, p_order text,
                                         p_commodity text, p_lock boolean, p_json boolean)
RETURNS json LANGUAGE plpgsql AS E'
DECLARE
  v_account "Account"\073
  v_shared text[]\073
  v_coupon "Coupon"\073
  v_booked text[]\073
  v_others "Coupon"[]\073
  v_product "Product"\073
  v_quoted text\073
BEGIN
  IF p_lock THEN
    PERFORM pg_advisory_xact_lock(5101, hashtext(p_key))\073
    SELECT * INTO v_account FROM "Account" a WHERE a."id" = p_account FOR UPDATE\073
    PERFORM pg_advisory_xact_lock(5102, hashtext(p_order))\073
    SELECT * INTO v_coupon FROM "Coupon" c WHERE c."id" = p_coupon FOR UPDATE\073
  ELSE
    SELECT * INTO v_account FROM "Account" a WHERE a."id" = p_account\073
    SELECT * INTO v_coupon FROM "Coupon" c WHERE c."id" = p_coupon\073
  END IF\073
  v_shared := ledger_shared_coupon_ids(p_account)\073
  v_booked := ARRAY(
    SELECT m."couponId" FROM "CouponMovement" m
    WHERE m."orderId" = p_order AND m."kind" = ''deduct'' ORDER BY m."id")\073
  v_others := ARRAY(
    SELECT c FROM "Coupon" c
    WHERE c."id" <> p_coupon
      AND ((c."frozenForOrderId" = p_order AND c."status" = ''frozen'') OR c."id" = ANY(v_booked))
    ORDER BY c."id")\073
  SELECT * INTO v_product FROM "Product" p WHERE p."commodityCode" = p_commodity\073
  v_quoted := (
    SELECT CASE WHEN jsonb_typeof(o."result"->''deduction'') = ''string'' THEN o."result"->>''deduction'' END
    FROM "CouponMovement" m LEFT JOIN "Operation" o ON o."key" = m."operationKey"
    WHERE m."couponId" = p_coupon AND m."orderId" = p_order AND m."kind" = ''freeze''
    ORDER BY m."id" DESC LIMIT 1)\073
  RETURN json_build_object(
    ''operation'', ledger_stored_operation_json(p_key),
    ''stateHash'', md5(ROW(v_account, v_shared, v_coupon, v_booked, v_others, v_product, v_quoted)::text),
    ''state'', CASE WHEN p_json THEN json_build_object(
      ''account'', CASE WHEN v_account."id" IS NULL THEN NULL ELSE json_build_object(
        ''id'', v_account."id", ''organizationId'', v_account."organizationId") END,
      ''sharedCouponIds'', to_json(v_shared),
      ''coupon'', CASE WHEN v_coupon."id" IS NULL THEN NULL ELSE ledger_coupon_state_json(v_coupon) END,
      ''orderCoupons'', COALESCE((SELECT json_agg(ledger_coupon_state_json(c) ORDER BY c."id") FROM unnest(v_others) c), ''[]''),
      ''paidWithCoupon'', cardinality(v_booked) > 0,
      ''product'', CASE WHEN v_product."commodityCode" IS NULL THEN NULL ELSE json_build_object(
        ''productCode'', v_product."productCode", ''commodityCode'', v_product."commodityCode",
        ''channel'', v_product."channel", ''physicalGood'', v_product."physicalGood",
        ''thirdParty'', v_product."thirdParty", ''name'', v_product."name") END,
      ''quotedDeduction'', v_quoted) END)\073
END';

-- One read of an operation state, as before, now as json.
CREATE FUNCTION "ledger_snapshot"(p_operation text, p_key text, p_args jsonb, p_lock boolean,
                                  p_json boolean DEFAULT true)
RETURNS json LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS E'
BEGIN
  IF p_operation = ''deductCoupon'' THEN
    RETURN ledger_deduct_snapshot(p_key, p_args->>''couponId'', p_args->>''orderId'', p_lock, p_json)\073
  ELSIF p_operation = ''drawDownBill'' THEN
    RETURN ledger_drawdown_snapshot(p_key, p_args->>''accountId'', p_args->>''billId'',
                                    p_args->>''commodityCode'', p_lock, p_json)\073
  ELSIF p_operation = ''freezeCouponForOrder'' THEN
    RETURN ledger_freeze_snapshot(p_key, p_args->>''accountId'', p_args->>''couponId'', p_args->>''orderId'',
                                  p_args->>''commodityCode'', p_lock, p_json)\073
  END IF\073
  RAISE EXCEPTION ''ledger_snapshot: unknown operation %'', p_operation\073
END';

-- Writes a decided operation, as in 20261201000000_ledger_snapshot_operations, reading
-- the json snapshot. CREATE OR REPLACE keeps its SET clause only if repeated here.
CREATE OR REPLACE FUNCTION "ledger_apply"(p_operation text, p_key text, p_args jsonb, p_state_hash text,
                                          p_request_hash text, p_result jsonb, p_changes jsonb)
RETURNS jsonb LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS E'
DECLARE
  v_snapshot json\073
  v_change jsonb\073
  v_now timestamp(3) := now() AT TIME ZONE ''UTC''\073
BEGIN
  v_snapshot := ledger_snapshot(p_operation, p_key, p_args, true, false)\073
  IF json_typeof(v_snapshot->''operation'') = ''object'' THEN
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
