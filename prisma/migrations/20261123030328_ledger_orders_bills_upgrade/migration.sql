-- CreateEnum
CREATE TYPE "CouponKind" AS ENUM ('cash', 'threshold', 'discount');

-- CreateEnum
CREATE TYPE "CouponStatus" AS ENUM ('available', 'frozen', 'used', 'expired', 'invalid');

-- CreateEnum
CREATE TYPE "CouponMovementKind" AS ENUM ('redeem', 'freeze', 'release', 'deduct', 'return', 'expire', 'invalidate');

-- CreateEnum
CREATE TYPE "RedemptionGrant" AS ENUM ('funds', 'coupon');

-- CreateEnum
CREATE TYPE "FundsMovementKind" AS ENUM ('promo_credit', 'top_up', 'recharge', 'bill_payment', 'arrears_cleared');

-- CreateEnum
CREATE TYPE "OrderStatus" AS ENUM ('pending_payment', 'payment_failed', 'paid', 'provisioned', 'provisioning_failed', 'cancelled', 'unsubscribed');

-- CreateEnum
CREATE TYPE "BillStatus" AS ENUM ('pending', 'settled', 'payment_failed', 'arrears', 'rolled_back');

-- AlterTable
ALTER TABLE "Account" ADD COLUMN     "arrears" DECIMAL(18,4) NOT NULL DEFAULT 0,
ADD COLUMN     "billingAddress" JSONB,
ADD COLUMN     "companyAddress" JSONB,
ADD COLUMN     "organizationId" TEXT,
ADD COLUMN     "phoneE164" TEXT,
ADD COLUMN     "phoneVerifiedAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "Organization" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Organization_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Coupon" (
    "id" TEXT NOT NULL,
    "couponNumber" TEXT NOT NULL,
    "ownerAccountId" TEXT NOT NULL,
    "kind" "CouponKind" NOT NULL,
    "currency" TEXT NOT NULL,
    "faceValue" DECIMAL(18,4) NOT NULL,
    "balance" DECIMAL(18,4) NOT NULL,
    "threshold" DECIMAL(18,4),
    "discountPercent" DECIMAL(7,4),
    "effectiveAt" TIMESTAMP(3) NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "scopeType" TEXT NOT NULL,
    "scopeProductCodes" TEXT[],
    "allProducts" BOOLEAN NOT NULL DEFAULT false,
    "channel" TEXT NOT NULL DEFAULT 'official',
    "orderTypes" TEXT[],
    "consumptionType" TEXT NOT NULL DEFAULT 'any',
    "minDurationMonths" INTEGER,
    "maxDurationMonths" INTEGER,
    "combinable" BOOLEAN NOT NULL DEFAULT true,
    "status" "CouponStatus" NOT NULL DEFAULT 'available',
    "frozenForOrderId" TEXT,
    "source" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Coupon_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CouponMovement" (
    "id" BIGSERIAL NOT NULL,
    "couponId" TEXT NOT NULL,
    "kind" "CouponMovementKind" NOT NULL,
    "balanceDelta" DECIMAL(18,4) NOT NULL,
    "balanceAfter" DECIMAL(18,4) NOT NULL,
    "statusAfter" "CouponStatus" NOT NULL,
    "orderId" TEXT,
    "billId" TEXT,
    "operationKey" TEXT NOT NULL,
    "note" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CouponMovement_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CouponShare" (
    "id" TEXT NOT NULL,
    "couponId" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "organizationId" TEXT,
    "accountIds" TEXT[],
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "cancelledAt" TIMESTAMP(3),

    CONSTRAINT "CouponShare_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RedemptionCode" (
    "code" TEXT NOT NULL,
    "campaign" TEXT NOT NULL,
    "grant" "RedemptionGrant" NOT NULL,
    "currency" TEXT NOT NULL,
    "fundsAmount" DECIMAL(18,4),
    "couponTerms" JSONB,
    "servesTrialUpgrade" BOOLEAN NOT NULL DEFAULT true,
    "validFrom" TIMESTAMP(3) NOT NULL,
    "validUntil" TIMESTAMP(3) NOT NULL,
    "maxRedemptions" INTEGER,
    "redemptionCount" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RedemptionCode_pkey" PRIMARY KEY ("code")
);

-- CreateTable
CREATE TABLE "CodeRedemption" (
    "id" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "couponId" TEXT,
    "fundsAmount" DECIMAL(18,4),
    "operationKey" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CodeRedemption_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "FundsMovement" (
    "id" BIGSERIAL NOT NULL,
    "accountId" TEXT NOT NULL,
    "kind" "FundsMovementKind" NOT NULL,
    "amountDelta" DECIMAL(18,4) NOT NULL,
    "balanceAfter" DECIMAL(18,4) NOT NULL,
    "billId" TEXT,
    "reference" TEXT,
    "operationKey" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "FundsMovement_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Operation" (
    "key" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "requestHash" TEXT NOT NULL,
    "result" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Operation_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "Order" (
    "id" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "commodityCode" TEXT NOT NULL,
    "orderType" TEXT NOT NULL,
    "amount" DECIMAL(18,4) NOT NULL,
    "currency" TEXT NOT NULL,
    "durationMonths" INTEGER,
    "couponId" TEXT,
    "couponDeduction" DECIMAL(18,4) NOT NULL DEFAULT 0,
    "payable" DECIMAL(18,4) NOT NULL,
    "status" "OrderStatus" NOT NULL DEFAULT 'pending_payment',
    "paymentId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Order_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Bill" (
    "id" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "commodityCode" TEXT NOT NULL,
    "amount" DECIMAL(18,4) NOT NULL,
    "currency" TEXT NOT NULL,
    "couponDeduction" DECIMAL(18,4) NOT NULL DEFAULT 0,
    "fundsPaid" DECIMAL(18,4) NOT NULL DEFAULT 0,
    "charged" DECIMAL(18,4) NOT NULL DEFAULT 0,
    "arrearsAmount" DECIMAL(18,4) NOT NULL DEFAULT 0,
    "status" "BillStatus" NOT NULL DEFAULT 'pending',
    "overdue" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Bill_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PaymentMethod" (
    "id" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "token" TEXT NOT NULL,
    "brand" TEXT,
    "last4" TEXT,
    "expMonth" INTEGER,
    "expYear" INTEGER,
    "label" TEXT,
    "isDefault" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PaymentMethod_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Payment" (
    "id" TEXT NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "amount" DECIMAL(18,4) NOT NULL,
    "currency" TEXT NOT NULL,
    "methodToken" TEXT NOT NULL,
    "orderId" TEXT,
    "billId" TEXT,
    "status" TEXT NOT NULL,
    "gatewayReference" TEXT,
    "failureReason" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Payment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "VerificationChallenge" (
    "id" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "phoneE164" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "codeHash" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "verifiedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "VerificationChallenge_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DevOutboxMessage" (
    "id" BIGSERIAL NOT NULL,
    "phoneE164" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DevOutboxMessage_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Coupon_couponNumber_key" ON "Coupon"("couponNumber");

-- CreateIndex
CREATE INDEX "Coupon_ownerAccountId_status_idx" ON "Coupon"("ownerAccountId", "status");

-- CreateIndex
CREATE INDEX "Coupon_expiresAt_idx" ON "Coupon"("expiresAt");

-- CreateIndex
CREATE INDEX "CouponMovement_couponId_id_idx" ON "CouponMovement"("couponId", "id");

-- CreateIndex
CREATE INDEX "CouponMovement_orderId_idx" ON "CouponMovement"("orderId");

-- CreateIndex
CREATE INDEX "CouponMovement_billId_idx" ON "CouponMovement"("billId");

-- CreateIndex
CREATE INDEX "CouponMovement_operationKey_idx" ON "CouponMovement"("operationKey");

-- CreateIndex
CREATE INDEX "CouponShare_couponId_idx" ON "CouponShare"("couponId");

-- CreateIndex
CREATE INDEX "CouponShare_organizationId_idx" ON "CouponShare"("organizationId");

-- CreateIndex
CREATE UNIQUE INDEX "CodeRedemption_code_accountId_key" ON "CodeRedemption"("code", "accountId");

-- CreateIndex
CREATE INDEX "FundsMovement_accountId_id_idx" ON "FundsMovement"("accountId", "id");

-- CreateIndex
CREATE INDEX "FundsMovement_operationKey_idx" ON "FundsMovement"("operationKey");

-- CreateIndex
CREATE INDEX "Order_accountId_idx" ON "Order"("accountId");

-- CreateIndex
CREATE INDEX "Bill_accountId_idx" ON "Bill"("accountId");

-- CreateIndex
CREATE INDEX "PaymentMethod_accountId_idx" ON "PaymentMethod"("accountId");

-- CreateIndex
CREATE UNIQUE INDEX "Payment_idempotencyKey_key" ON "Payment"("idempotencyKey");

-- CreateIndex
CREATE INDEX "Payment_accountId_idx" ON "Payment"("accountId");

-- CreateIndex
CREATE INDEX "VerificationChallenge_accountId_idx" ON "VerificationChallenge"("accountId");

-- CreateIndex
CREATE INDEX "DevOutboxMessage_phoneE164_id_idx" ON "DevOutboxMessage"("phoneE164", "id");

-- CreateIndex
CREATE INDEX "Account_organizationId_idx" ON "Account"("organizationId");

-- AddForeignKey
ALTER TABLE "Account" ADD CONSTRAINT "Account_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Coupon" ADD CONSTRAINT "Coupon_ownerAccountId_fkey" FOREIGN KEY ("ownerAccountId") REFERENCES "Account"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CouponMovement" ADD CONSTRAINT "CouponMovement_couponId_fkey" FOREIGN KEY ("couponId") REFERENCES "Coupon"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CouponShare" ADD CONSTRAINT "CouponShare_couponId_fkey" FOREIGN KEY ("couponId") REFERENCES "Coupon"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CodeRedemption" ADD CONSTRAINT "CodeRedemption_code_fkey" FOREIGN KEY ("code") REFERENCES "RedemptionCode"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FundsMovement" ADD CONSTRAINT "FundsMovement_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PaymentMethod" ADD CONSTRAINT "PaymentMethod_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE RESTRICT ON UPDATE CASCADE;


-- Written by hand: guarantees the database keeps whatever the code does.
-- A coupon's balance stays within [0, face value], funds and arrears never go negative.
ALTER TABLE "Coupon" ADD CONSTRAINT "Coupon_balance_in_range" CHECK ("balance" >= 0 AND "balance" <= "faceValue");
ALTER TABLE "Account" ADD CONSTRAINT "Account_funds_not_negative" CHECK ("fundsBalance" >= 0);
ALTER TABLE "Account" ADD CONSTRAINT "Account_arrears_not_negative" CHECK ("arrears" >= 0);

-- The ledgers are append-only: no movement is ever changed or removed.
-- The body is an E-string with \073 for the semicolon because the pg driver adapter
-- splits migration scripts on every semicolon, even inside quotes and comments.
CREATE FUNCTION "reject_ledger_change"() RETURNS trigger LANGUAGE plpgsql AS
  E'BEGIN RAISE EXCEPTION ''ledger table % is append-only'', TG_TABLE_NAME\073 END\073';
CREATE TRIGGER "CouponMovement_append_only" BEFORE UPDATE OR DELETE ON "CouponMovement"
  FOR EACH ROW EXECUTE FUNCTION "reject_ledger_change"();
CREATE TRIGGER "FundsMovement_append_only" BEFORE UPDATE OR DELETE ON "FundsMovement"
  FOR EACH ROW EXECUTE FUNCTION "reject_ledger_change"();
