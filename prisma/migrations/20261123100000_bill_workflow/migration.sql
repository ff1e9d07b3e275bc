-- AlterEnum
ALTER TYPE "FundsMovementKind" ADD VALUE 'bill_refund';

-- AlterTable
ALTER TABLE "Bill" ADD COLUMN     "revision" INTEGER NOT NULL DEFAULT 0;
