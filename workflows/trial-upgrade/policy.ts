/**
 * The upgrade's timing and limits. The worker's configuration gives the defaults
 * (activity `getTrialUpgradePolicy`, from VERIFICATION_* / RESEND_* /
 * UPGRADE_IDLE_TIMEOUT); a workflow input may override any of them (tests, ops).
 * Resolved once at the start and kept in history, so replays see the same values.
 */
import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';

export interface UpgradePolicy {
  /** How long a code is valid. */
  codeTtlMs: number;
  /** Wrong tries one code allows; using them all locks verification. */
  maxAttemptsPerCode: number;
  /** How long verification stays locked. Also the window after which the resend count restarts. */
  lockoutMs: number;
  /** Minimum wait between two codes. */
  resendCooldownMs: number;
  /** Resends one phone number gets (the first code is not a resend). */
  maxResends: number;
  /** No step for this long: the upgrade ends as abandoned. */
  idleTimeoutMs: number;
}

/** Overrides as a workflow input carries them: durations as ms-style strings or milliseconds. */
export interface UpgradePolicyOverrides {
  codeTtl?: Duration;
  maxAttemptsPerCode?: number;
  lockout?: Duration;
  resendCooldown?: Duration;
  maxResends?: number;
  idleTimeout?: Duration;
}

export const DEFAULT_UPGRADE_POLICY: UpgradePolicy = {
  codeTtlMs: 10 * 60_000,
  maxAttemptsPerCode: 5,
  lockoutMs: 30 * 60_000,
  resendCooldownMs: 30_000,
  maxResends: 5,
  idleTimeoutMs: 30 * 24 * 3600_000,
};

const ms = (value: Duration | undefined, fallback: number): number =>
  value === undefined ? fallback : msToNumber(value);

export function resolvePolicy(
  base: UpgradePolicy,
  overrides: UpgradePolicyOverrides = {},
): UpgradePolicy {
  return {
    codeTtlMs: ms(overrides.codeTtl, base.codeTtlMs),
    maxAttemptsPerCode: overrides.maxAttemptsPerCode ?? base.maxAttemptsPerCode,
    lockoutMs: ms(overrides.lockout, base.lockoutMs),
    resendCooldownMs: ms(overrides.resendCooldown, base.resendCooldownMs),
    maxResends: overrides.maxResends ?? base.maxResends,
    idleTimeoutMs: ms(overrides.idleTimeout, base.idleTimeoutMs),
  };
}
