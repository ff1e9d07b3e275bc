-- A decided operation may now be written on the versions of the rows it stands on,
-- instead of the whole state it read (activities/ledger/snapshot.ts). A row version is
-- the row system column xmin: every UPDATE writes a new row version with the id of
-- its transaction, so an unchanged xmin means an unchanged row (PostgreSQL ORMs use it
-- as their optimistic concurrency token). The drawdown state now carries the versions
-- of its account, its bill and its coupons. ledger_apply, given p_changes.versions,
-- writes each coupon and the bill only if its row still has the version read, in the
-- UPDATE that writes it, instead of reading the whole state again under locks
-- (bench/RESULTS.md, 2026-12-07 night). Without versions it checks the state hash, as
-- before. Bodies use \073 for the semicolon (see 20261201000000_ledger_snapshot_operations).
-- No apostrophes or semicolons in these comments: the driver adapter splits migration
-- scripts on semicolons and reads an apostrophe as a quote.

-- drawDownBill, as in 20261207150000_ledger_state_as_json, its state now with the
-- versions of its rows: the account, the bill (null: no row) and each coupon, by id.
-- Its state hash only when locked: the unlocked read serves decisions written on
-- versions, and one that cannot name them is decided under locks.
CREATE OR REPLACE FUNCTION "ledger_drawdown_snapshot"(p_key text, p_account text, p_bill text, p_commodity text,
                                                      p_lock boolean, p_json boolean)
RETURNS json LANGUAGE plpgsql AS E'
DECLARE
  v_read record\073
  v_account "Account"\073
  v_account_version text\073
  v_shared text[]\073
  v_candidates text[]\073
  v_coupons "Coupon"[]\073
  v_coupon_versions json\073
  v_product "Product"\073
  v_bill_amount numeric\073
  v_bill_version text\073
  v_movements json\073
BEGIN
  IF p_lock THEN
    PERFORM pg_advisory_xact_lock(5101, hashtext(p_key))\073
    SELECT a AS "row", a.xmin::text AS "version" INTO v_read FROM "Account" a WHERE a."id" = p_account FOR UPDATE\073
  ELSE
    SELECT a AS "row", a.xmin::text AS "version" INTO v_read FROM "Account" a WHERE a."id" = p_account\073
  END IF\073
  v_account := v_read."row"\073
  v_account_version := v_read."version"\073
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
  SELECT COALESCE(array_agg(c ORDER BY c."id"), ''{}''), json_object_agg(c."id", c.xmin::text)
    INTO v_coupons, v_coupon_versions
  FROM "Coupon" c
  WHERE c."id" = ANY(v_candidates) AND (c."ownerAccountId" = p_account OR c."id" = ANY(v_shared))\073
  SELECT * INTO v_product FROM "Product" p WHERE p."commodityCode" = p_commodity\073
  SELECT b."amount", b.xmin::text INTO v_bill_amount, v_bill_version FROM "Bill" b WHERE b."id" = p_bill\073
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
    ''stateHash'', CASE WHEN p_lock THEN
      md5(ROW(v_account, v_shared, v_coupons, v_product, v_bill_amount, v_movements::text)::text) END,
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
      ''billMovements'', v_movements,
      ''versions'', json_build_object(
        ''account'', v_account_version, ''bill'', v_bill_version,
        ''coupons'', COALESCE(v_coupon_versions, ''{}''::json))) END)\073
END';

-- Writes a decided operation, as in 20261207150000_ledger_state_as_json. Given
-- p_changes.versions (accounts, coupons, bills: id to version), every coupon it writes
-- must be among them. The accounts and bills must have their version when the write
-- begins (a change that commits while it runs is ordered after it), and each coupon
-- and bill it writes must still have it in its UPDATE, which locks the row: else the
-- write fails as a serialization failure (40001) and nothing of it stays, in a group as
-- alone. Several coupons are locked by id first, the ledger lock order. Without versions
-- it reads the whole state again under locks and compares its hash, as before.
-- CREATE OR REPLACE keeps its SET clause only if repeated here.
CREATE OR REPLACE FUNCTION "ledger_apply"(p_operation text, p_key text, p_args jsonb, p_state_hash text,
                                          p_request_hash text, p_result jsonb, p_changes jsonb)
RETURNS jsonb LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS E'
DECLARE
  v_snapshot json\073
  v_stored json\073
  v_versions jsonb := p_changes->''versions''\073
  v_change jsonb\073
  v_now timestamp(3) := now() AT TIME ZONE ''UTC''\073
BEGIN
  IF v_versions IS NOT NULL THEN
    PERFORM pg_advisory_xact_lock(5101, hashtext(p_key))\073
    v_stored := ledger_stored_operation_json(p_key)\073
    IF v_stored IS NOT NULL THEN
      RETURN jsonb_build_object(''outcome'', ''stored'', ''operation'', v_stored)\073
    END IF\073
    -- One statement: each row by its primary key.
    IF EXISTS (SELECT 1 FROM jsonb_each_text(COALESCE(v_versions->''accounts'', ''{}'')) v
               WHERE v.value IS DISTINCT FROM (SELECT a.xmin::text FROM "Account" a WHERE a."id" = v.key))
       OR EXISTS (SELECT 1 FROM jsonb_each_text(COALESCE(v_versions->''bills'', ''{}'')) v
                  WHERE v.value IS DISTINCT FROM (SELECT b.xmin::text FROM "Bill" b WHERE b."id" = v.key)) THEN
      RETURN jsonb_build_object(''outcome'', ''changed'')\073
    END IF\073
    IF jsonb_array_length(p_changes->''coupons'') > 1 THEN
      PERFORM 1 FROM "Coupon" c
      WHERE c."id" = ANY(ARRAY(SELECT e->>''couponId'' FROM jsonb_array_elements(p_changes->''coupons'') e))
      ORDER BY c."id" FOR UPDATE\073
    END IF\073
  ELSE
    v_snapshot := ledger_snapshot(p_operation, p_key, p_args, true, false)\073
    IF json_typeof(v_snapshot->''operation'') = ''object'' THEN
      RETURN jsonb_build_object(''outcome'', ''stored'', ''operation'', v_snapshot->''operation'')\073
    END IF\073
    IF v_snapshot->>''stateHash'' IS DISTINCT FROM p_state_hash THEN
      RETURN jsonb_build_object(''outcome'', ''changed'')\073
    END IF\073
  END IF\073
  FOR v_change IN SELECT value FROM jsonb_array_elements(p_changes->''coupons'') LOOP
    IF v_versions IS NOT NULL AND (v_versions->''coupons''->>(v_change->>''couponId'')) IS NULL THEN
      RAISE EXCEPTION ''ledger_apply: coupon % written without its version'', v_change->>''couponId''\073
    END IF\073
    UPDATE "Coupon" SET
      "balance" = (v_change->>''balanceAfter'')::numeric,
      "status" = (v_change->>''statusAfter'')::"CouponStatus",
      "frozenForOrderId" = v_change->>''frozenForOrderId'',
      "updatedAt" = v_now
    WHERE "id" = v_change->>''couponId''
      AND (v_versions IS NULL OR xmin::text = v_versions->''coupons''->>"id")\073
    IF NOT FOUND THEN
      IF v_versions IS NOT NULL THEN
        RAISE EXCEPTION ''could not serialize: coupon % changed since it was read'', v_change->>''couponId''
          USING ERRCODE = ''serialization_failure''\073
      END IF\073
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
    WHERE "id" = p_args->>''billId''
      AND (v_versions->''bills''->>"id" IS NULL OR xmin::text = v_versions->''bills''->>"id")\073
    IF NOT FOUND AND v_versions->''bills''->>(p_args->>''billId'') IS NOT NULL THEN
      RAISE EXCEPTION ''could not serialize: bill % changed since it was read'', p_args->>''billId''
        USING ERRCODE = ''serialization_failure''\073
    END IF\073
  END IF\073
  INSERT INTO "Operation" ("key", "kind", "requestHash", "result", "createdAt")
  VALUES (p_key, p_operation, p_request_hash, p_result, v_now)\073
  RETURN jsonb_build_object(''outcome'', ''applied'')\073
END';
