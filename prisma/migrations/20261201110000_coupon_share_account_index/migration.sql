-- Coupons shared with an account by a list naming it: found through a GIN index on
-- the list instead of a scan of every share, so a drawdown or a freeze does not
-- slow down as shares accumulate across all accounts. The lookup is written as
-- array containment (@>), which the index serves, not "= ANY", which it does not.
CREATE INDEX "CouponShare_accountIds_idx" ON "CouponShare" USING GIN ("accountIds");

CREATE OR REPLACE FUNCTION "ledger_shared_coupon_ids"(p_account text) RETURNS text[] LANGUAGE plpgsql STABLE AS
E'BEGIN RETURN (SELECT COALESCE(array_agg(DISTINCT s."couponId" ORDER BY s."couponId"), ''{}'')
 FROM "CouponShare" s
 WHERE s."cancelledAt" IS NULL
   AND ((s."scope" = ''accounts'' AND s."accountIds" @> ARRAY[p_account])
     OR (s."scope" = ''organization''
         AND s."organizationId" = (SELECT a."organizationId" FROM "Account" a WHERE a."id" = p_account)
         AND EXISTS (SELECT 1 FROM "Coupon" sc JOIN "Account" o ON o."id" = sc."ownerAccountId"
                     WHERE sc."id" = s."couponId" AND o."organizationId" = s."organizationId"))))\073
END';
