/**
 * Development fixtures of the demo: the campaign codes it redeems, written straight
 * into RedemptionCode as a marketing tool would (codes are campaign data, not a
 * workflow), and the development outbox it reads the verification code from.
 * Codes are named after the run, so every run has its own and a re-run of the same
 * run finds them (upsert).
 */
import type { Database } from '../../client/statement';
import type { CouponTermsInput } from '../../activities/ledger/schemas';

const DAY = 86_400_000;

export interface DemoCodes {
  /** A funds promo code that cannot serve the upgrade: applied right after it. */
  afterUpgrade: string;
  /** Two cash coupons expiring at the same instant (30 and 50) and one later (60). */
  cash30: string;
  cash50: string;
  cash60Later: string;
  /** A cash coupon for subscriptions only (pay-as-you-go bills cannot draw it). */
  cashSubscription: string;
  threshold: string;
  discount: string;
}

/** Midnight UTC `days` from today: coupons of one campaign expire at one instant. */
function dayStart(days: number, now = Date.now()): string {
  const d = new Date(now);
  d.setUTCHours(0, 0, 0, 0);
  return new Date(d.getTime() + days * DAY).toISOString();
}

export async function createDemoCodes(db: Database, run: string): Promise<DemoCodes> {
  const codes: DemoCodes = {
    afterUpgrade: `DEMO-${run}-WELCOME20`,
    cash30: `DEMO-${run}-CASH30`,
    cash50: `DEMO-${run}-CASH50`,
    cash60Later: `DEMO-${run}-CASH60`,
    cashSubscription: `DEMO-${run}-SUB25`,
    threshold: `DEMO-${run}-TH20OVER100`,
    discount: `DEMO-${run}-OFF10PCT`,
  };
  const coupon = (terms: CouponTermsInput) => ({ grant: 'coupon' as const, couponTerms: terms });
  const rows: {
    code: string;
    servesTrialUpgrade?: boolean;
    data:
      { grant: 'funds'; fundsAmount: string } | { grant: 'coupon'; couponTerms: CouponTermsInput };
  }[] = [
    {
      code: codes.afterUpgrade,
      servesTrialUpgrade: false,
      data: { grant: 'funds' as const, fundsAmount: '20.00' },
    },
    {
      code: codes.cash30,
      data: coupon({ kind: 'cash', faceValue: '30.00', expiresAt: dayStart(30) }),
    },
    {
      code: codes.cash50,
      data: coupon({ kind: 'cash', faceValue: '50.00', expiresAt: dayStart(30) }),
    },
    {
      code: codes.cash60Later,
      data: coupon({ kind: 'cash', faceValue: '60.00', expiresAt: dayStart(60) }),
    },
    {
      code: codes.cashSubscription,
      data: coupon({
        kind: 'cash',
        faceValue: '25.00',
        validDays: 90,
        consumptionType: 'subscription',
      }),
    },
    {
      code: codes.threshold,
      data: coupon({
        kind: 'threshold',
        faceValue: '20.00',
        threshold: '100.00',
        validDays: 90,
        consumptionType: 'subscription',
      }),
    },
    {
      code: codes.discount,
      data: coupon({
        kind: 'discount',
        faceValue: '15.00',
        discountPercent: '10',
        validDays: 90,
        consumptionType: 'subscription',
      }),
    },
  ];
  for (const row of rows) {
    const fields = {
      campaign: 'demo',
      currency: 'USD',
      servesTrialUpgrade: row.servesTrialUpgrade ?? true,
      validFrom: new Date(Date.now() - DAY),
      validUntil: new Date(Date.now() + 365 * DAY),
      ...row.data,
    };
    await db.redemptionCode.upsert({
      where: { code: row.code },
      create: { code: row.code, ...fields },
      update: {},
    });
  }
  return codes;
}

/** The code the development sender delivered last to `phone` ("... code is 123456."). */
export async function readDevOutboxCode(db: Database, phone: string): Promise<string> {
  for (let i = 0; i < 50; i++) {
    const message = await db.devOutboxMessage.findFirst({
      where: { phoneE164: phone },
      orderBy: { id: 'desc' },
    });
    const digits = /code is ([\d ]+)\./.exec(message?.body ?? '')?.[1]?.replace(/ /g, '');
    if (digits) return digits;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no verification code in the development outbox for ${phone}`);
}
