-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "AccountStatus" AS ENUM ('trial', 'upgraded');

-- CreateTable
CREATE TABLE "Account" (
    "id" TEXT NOT NULL,
    "displayName" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "status" "AccountStatus" NOT NULL DEFAULT 'trial',
    "currency" TEXT NOT NULL DEFAULT 'USD',
    "fundsBalance" DECIMAL(18,4) NOT NULL DEFAULT 0,
    "automaticRechargeEnabled" BOOLEAN NOT NULL DEFAULT false,
    "upgradedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Account_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Product" (
    "commodityCode" TEXT NOT NULL,
    "productCode" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "channel" TEXT NOT NULL DEFAULT 'official',
    "physicalGood" BOOLEAN NOT NULL DEFAULT false,
    "thirdParty" BOOLEAN NOT NULL DEFAULT false,
    "couponsNeverReturned" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "Product_pkey" PRIMARY KEY ("commodityCode")
);

-- CreateIndex
CREATE INDEX "Product_productCode_idx" ON "Product"("productCode");

