// Consume answers that do not add up to a charge of 5 units (issue 23, item 9), shared by core's, the adapters' and the
// fault matrix's tests: each must be refused as malformed, never served on.

/** Answers that do not add up to a charge of 5 units, as Licenzy (or something in front of it) might send them. */
export const MALFORMED_CONSUME_ANSWERS: ReadonlyArray<readonly [string, number, unknown]> = [
  ['consumed 0', 200, { ok: true, consumed: 0, usage_remaining: 100 }],
  ['consumed 1 of 5', 200, { ok: true, consumed: 1, usage_remaining: 99 }],
  ['consumed 6 of 5', 200, { ok: true, consumed: 6, usage_remaining: 94 }],
  ['consumed 5.5', 200, { ok: true, consumed: 5.5, usage_remaining: 94.5 }],
  ['consumed "5"', 200, { ok: true, consumed: '5', usage_remaining: 95 }],
  ['consumed missing', 200, { ok: true, usage_remaining: 95 }],
  ['consumed -5', 200, { ok: true, consumed: -5, usage_remaining: 105 }],
  ['201 created', 201, { ok: true, consumed: 5, usage_remaining: 95 }],
  ['202 accepted', 202, { ok: true, consumed: 5, usage_remaining: 95 }],
  ['ok false without a reason', 200, { ok: false, consumed: 5 }],
];
