-- CreateTable
CREATE TABLE "ApiRateLimitCounter" (
    "limitName" TEXT NOT NULL,
    "caller" TEXT NOT NULL,
    "windowStart" TIMESTAMP(3) NOT NULL,
    "hits" INTEGER NOT NULL,

    CONSTRAINT "ApiRateLimitCounter_pkey" PRIMARY KEY ("limitName","caller","windowStart")
);

-- CreateIndex
CREATE INDEX "ApiRateLimitCounter_windowStart_idx" ON "ApiRateLimitCounter"("windowStart");
