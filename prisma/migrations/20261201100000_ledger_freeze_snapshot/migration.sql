-- freezeCouponForOrder as a decided operation (activities/ledger/snapshot.ts), as
-- deductCoupon and drawDownBill are: every order freezes its coupon when it is
-- created, and the interactive transaction it replaces held a pooled connection
-- for about a dozen round trips (bench/RESULTS.md). Bodies use \073 for the
-- semicolon (see 20261201000000_ledger_snapshot_operations).

-- freezeCouponForOrder: locks operation key, account, order (advisory), coupon.
-- Its state: the account and the coupons shared with it, the coupon, the other
-- coupons on the order (frozen for it, or already deducted for it: one coupon per
-- order), whether the order was already paid with a coupon, the product, and the
-- deduction quoted by the coupon's latest freeze for the order.
CREATE FUNCTION "ledger_freeze_snapshot"(p_key text, p_account text, p_coupon text, p_order text,
                                         p_commodity text, p_lock boolean, p_json boolean)
RETURNS jsonb LANGUAGE plpgsql AS E'
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
  RETURN jsonb_build_object(
    ''operation'', ledger_stored_operation(p_key),
    ''stateHash'', md5(ROW(v_account, v_shared, v_coupon, v_booked, v_others, v_product, v_quoted)::text),
    ''state'', CASE WHEN p_json THEN jsonb_build_object(
      ''account'', CASE WHEN v_account."id" IS NULL THEN NULL ELSE jsonb_build_object(
        ''id'', v_account."id", ''organizationId'', v_account."organizationId") END,
      ''sharedCouponIds'', to_jsonb(v_shared),
      ''coupon'', CASE WHEN v_coupon."id" IS NULL THEN NULL ELSE ledger_coupon_json(v_coupon) END,
      ''orderCoupons'', COALESCE((SELECT jsonb_agg(ledger_coupon_json(c) ORDER BY c."id") FROM unnest(v_others) c), ''[]''),
      ''paidWithCoupon'', cardinality(v_booked) > 0,
      ''product'', CASE WHEN v_product."commodityCode" IS NULL THEN NULL ELSE jsonb_build_object(
        ''productCode'', v_product."productCode", ''commodityCode'', v_product."commodityCode",
        ''channel'', v_product."channel", ''physicalGood'', v_product."physicalGood",
        ''thirdParty'', v_product."thirdParty", ''name'', v_product."name") END,
      ''quotedDeduction'', v_quoted) END)\073
END';

CREATE OR REPLACE FUNCTION "ledger_snapshot"(p_operation text, p_key text, p_args jsonb, p_lock boolean,
                                             p_json boolean DEFAULT true)
RETURNS jsonb LANGUAGE plpgsql AS E'
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
