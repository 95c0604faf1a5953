// The decision cache's stamps: typed-array columns beside the LRU's slots, no object or boxed number per decision.

/** Largest whole number of ms a float32 holds exactly (2^24, about 4.6 hours). */
const FLOAT32_EXACT_INTEGER = 16_777_216;

/**
 * What our own decision cache knows about each slot's answer, on the duration clock, as struct-of-arrays columns
 * (24 B per slot, grown with the LRU's slots): a float64 pair, when it was stored and until when it is served (the hit
 * test reads only this pair: one cache line, issue 25), then, as float32 spans, how much longer it may stand in during
 * an outage after that, and how long before the stamp the call behind it started.
 *
 * The lifetime and the stale window are rounded *down* to float32 before they are added to the stamp, which is exact for
 * every whole number of ms up to 2^24 (about 4.6 hours), of seconds up to 37 hours, of minutes up to 6 days and of
 * hours up to 24 days: otherwise a decision expires, or stops standing in, at most one float32 step (2^-23 of the span,
 * 10 ms in a day) early, never late. The call's start is kept in whole ms, rounded back (older, never fresher); one
 * more than 2^24 ms before the stamp counts as never fresh.
 *
 * @example
 * const stamps = new DecisionStamps(16)
 * stamps.write(0, 1_000, 30_000, 30_000, 990) // stored at 1,000, served for 30 s, call started at 990
 * stamps.servesAt(0, 30_999) // true
 * stamps.servesAt(0, 31_000) // false
 */
export class DecisionStamps {
  /** Per slot, two float64s side by side: when the answer was stored, then until when it is served. */
  #times: Float64Array;
  /** Per slot, two float32s: the stale window after the lifetime, then how long before the stamp the call started (-1: never fresh). */
  #spans: Float32Array;

  constructor(capacity: number) {
    this.#times = new Float64Array(capacity * 2);
    this.#spans = new Float32Array(capacity * 2);
  }

  /** Slots the columns hold (every slot below it may be written). */
  get capacity(): number {
    return this.#times.length / 2;
  }

  /** Makes room for `capacity` slots, keeping what the slots below the old capacity hold. */
  grow(capacity: number): void {
    if (capacity <= this.capacity) return;
    const times = new Float64Array(capacity * 2);
    const spans = new Float32Array(capacity * 2);
    times.set(this.#times);
    spans.set(this.#spans);
    this.#times = times;
    this.#spans = spans;
  }

  /**
   * Stamps a slot: stored at `stampedAt`, served for `lifetime` ms from then, standing in until `staleLifetime` ms from
   * then; `requestedAt`: when the call behind it started (`-Infinity`: never counts as fresh).
   */
  write(slot: number, stampedAt: number, lifetime: number, staleLifetime: number, requestedAt: number): void {
    const at = slot * 2;
    const served = float32AtMost(lifetime);
    this.#times[at] = stampedAt;
    this.#times[at + 1] = stampedAt + served;
    this.#spans[at] = float32AtMost(staleLifetime - lifetime);
    const ago = requestedAgo(stampedAt, requestedAt);
    this.#spans[at + 1] = ago <= FLOAT32_EXACT_INTEGER ? ago : -1;
  }

  /**
   * The (stamp, served-until) column itself, for a hit path that keeps it in an object it reads anyway and tests it with
   * {@link servedAt}: one object fewer per hit (issue 25). Replaced by {@link grow}: read it again after growing.
   */
  get times(): Float64Array {
    return this.#times;
  }

  /** The hit test: stamped no later than `t` (an entry stamped after "now" is not trusted) and not expired at `t`. */
  servesAt(slot: number, t: number): boolean {
    return servedAt(this.#times, slot, t);
  }

  /** May stand in for Licenzy at `t` during an outage (same rule for a stamp after "now"). */
  standsInAt(slot: number, t: number): boolean {
    const at = slot * 2;
    return t < (this.#times[at + 1] as number) + (this.#spans[at] as number) && t >= (this.#times[at] as number);
  }

  /** When the call behind the slot's answer started, for a `fresh` check's bound; `-Infinity` for never fresh. */
  requestStartedAt(slot: number): number {
    return requestStartedAt(this.#times[slot * 2] as number, this.#spans[slot * 2 + 1] as number);
  }
}

/** {@link DecisionStamps.servesAt} on the column {@link DecisionStamps.times} returned. */
export function servedAt(times: Float64Array, slot: number, t: number): boolean {
  const at = slot * 2;
  return t < (times[at + 1] as number) && t >= (times[at] as number);
}

/**
 * How long before `stampedAt` a call that started at `requestedAt` began: whole ms rounded up (older, never fresher),
 * or -1 for never fresh (`-Infinity`, a start after the stamp, or one too long ago to count).
 */
export function requestedAgo(stampedAt: number, requestedAt: number): number {
  const ago = Math.ceil(stampedAt - requestedAt);
  return ago >= 0 && ago <= 0x7fffffff ? ago : -1;
}

/** When the call behind an answer started, from its stamp and {@link requestedAgo}; `-Infinity` for never fresh. */
export function requestStartedAt(stampedAt: number, ago: number): number {
  return ago < 0 ? -Infinity : stampedAt - ago;
}

const scratch = new Float32Array(1);
const scratchBits = new Uint32Array(scratch.buffer);

/** The largest float32 not above `x` (`Math.fround` rounds to nearest, which may be above); NaN stays NaN. */
export function float32AtMost(x: number): number {
  const f = Math.fround(x);
  if (!(f > x)) return f;
  if (f === 0) return -1.401298464324817e-45; // x just below zero: the float32 nearest it below
  scratch[0] = f;
  // One float32 step towards -Infinity: down in magnitude for a positive value, up for a negative one.
  scratchBits[0] = (scratchBits[0] as number) + (f > 0 ? -1 : 1);
  return scratch[0] as number;
}
