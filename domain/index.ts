/** Pure coupon rules engine: deterministic, no I/O, no clock, safe in Temporal's workflow sandbox. */
export * from './money';
export * from './time';
export * from './catalog';
export * from './coupon';
export * from './eligibility';
export * from './deduction';
export * from './renewal';
export * from './drawdown';
export * from './returns';
export * from './limits';
export * from './contracts';
export * from './upgrade-contracts';
export * from './upgrade-entry';
