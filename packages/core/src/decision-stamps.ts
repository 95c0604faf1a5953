// The decision cache's stamps: typed-array columns beside the LRU's slots, no object or boxed number per decision.

/** Largest whole number of ms a float32 holds exactly (2^24, about 4.6 hours). */
const FLOAT32_EXACT_INTEGER = 16_777_216;

/**
 * What our own decision cache knows about each slot's answer, on the duration clock, as struct-of-arrays columns
 * (20 B per slot, grown with the LRU's slots): when it was stored (a double, exact), then, as float32 spans from that
 * stamp, how long it is served, how much longer it may stand in during an outage, and how long before the stamp the
 * call behind it started.
 *
 * The spans are rounded *down* to float32, which is exact for every whole number of ms up to 2^24 (about 4.6 hours),
 * of seconds up to 37 hours, of minutes up to 6 days and of hours up to 24 days: otherwise a decision expires, or stops
 * standing in, at most one float32 step (2^-23 of the span, 10 ms in a day) early, never late. The call's start is kept in whole
 * ms, rounded back (older, never fresher); one more than 2^24 ms before the stamp counts as never fresh.
 *
 * @example
 * const stamps = new DecisionStamps(16)
 * stamps.write(0, 1_000, 30_000, 30_000, 990) // stored at 1,000, served for 30 s, call started at 990
 * stamps.servesAt(0, 30_999) // true
 * stamps.servesAt(0, 31_000) // false
 */
export class DecisionStamps {
  /** Per slot: when the answer was stored. */
  #stampedAt: Float64Array;
  /** Per slot, three float32s: lifetime, then the stale window after it, then how long before the stamp the call started (-1: never fresh). */
  #spans: Float32Array;

  constructor(capacity: number) {
    this.#stampedAt = new Float64Array(capacity);
    this.#spans = new Float32Array(capacity * 3);
  }

  /** Slots the columns hold (every slot below it may be written). */
  get capacity(): number {
    return this.#stampedAt.length;
  }

  /** Makes room for `capacity` slots, keeping what the slots below the old capacity hold. */
  grow(capacity: number): void {
    if (capacity <= this.#stampedAt.length) return;
    const stampedAt = new Float64Array(capacity);
    const spans = new Float32Array(capacity * 3);
    stampedAt.set(this.#stampedAt);
    spans.set(this.#spans);
    this.#stampedAt = stampedAt;
    this.#spans = spans;
  }

  /**
   * Stamps a slot: stored at `stampedAt`, served for `lifetime` ms from then, standing in until `staleLifetime` ms from
   * then; `requestedAt`: when the call behind it started (`-Infinity`: never counts as fresh).
   */
  write(slot: number, stampedAt: number, lifetime: number, staleLifetime: number, requestedAt: number): void {
    this.#stampedAt[slot] = stampedAt;
    const at = slot * 3;
    this.#spans[at] = float32AtMost(lifetime);
    this.#spans[at + 1] = float32AtMost(staleLifetime - lifetime);
    const ago = requestedAgo(stampedAt, requestedAt);
    this.#spans[at + 2] = ago <= FLOAT32_EXACT_INTEGER ? ago : -1;
  }

  /** The hit test: stamped no later than `t` (an entry stamped after "now" is not trusted) and not expired at `t`. */
  servesAt(slot: number, t: number): boolean {
    const stampedAt = this.#stampedAt[slot] as number;
    return t < stampedAt + (this.#spans[slot * 3] as number) && t >= stampedAt;
  }

  /** May stand in for Licenzy at `t` during an outage (same rule for a stamp after "now"). */
  standsInAt(slot: number, t: number): boolean {
    const stampedAt = this.#stampedAt[slot] as number;
    const at = slot * 3;
    return t < stampedAt + (this.#spans[at] as number) + (this.#spans[at + 1] as number) && t >= stampedAt;
  }

  /** When the call behind the slot's answer started, for a `fresh` check's bound; `-Infinity` for never fresh. */
  requestStartedAt(slot: number): number {
    return requestStartedAt(this.#stampedAt[slot] as number, this.#spans[slot * 3 + 2] as number);
  }
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
