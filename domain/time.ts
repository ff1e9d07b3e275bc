/**
 * Time is always an argument: an ISO-8601 string WITH a zone designator, or epoch
 * milliseconds. No clock is read here. A zone is required so that parsing never
 * depends on the host's local timezone (determinism inside the workflow sandbox).
 */
export type Instant = string | number;

/** ISO-8601 string carrying "Z" or a ±hh:mm offset. */
export type IsoInstant = string;

export class TimeError extends Error {
  override readonly name = 'TimeError';
}

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export function isIsoInstant(value: string): boolean {
  if (!ISO_WITH_ZONE.test(value) || !Number.isFinite(Date.parse(value))) return false;
  // Reject calendar overflow such as 2024-02-30 (some parsers roll it into March).
  const [y, m, d] = value.slice(0, 10).split('-').map(Number) as [number, number, number];
  const probe = new Date(Date.UTC(y, m - 1, d));
  return probe.getUTCFullYear() === y && probe.getUTCMonth() === m - 1 && probe.getUTCDate() === d;
}

export function toEpochMs(at: Instant): number {
  if (typeof at === 'number') {
    if (!Number.isFinite(at)) throw new TimeError(`Not a finite epoch: ${at}`);
    return at;
  }
  if (!isIsoInstant(at)) throw new TimeError(`Not an ISO-8601 instant with a zone: "${at}"`);
  return Date.parse(at);
}

/** -1, 0 or 1 comparing two instants. */
export function compareInstants(a: Instant, b: Instant): -1 | 0 | 1 {
  const d = toEpochMs(a) - toEpochMs(b);
  return d < 0 ? -1 : d > 0 ? 1 : 0;
}
