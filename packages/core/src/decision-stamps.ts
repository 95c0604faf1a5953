// The decision cache's cold stamps: float32 columns beside our own LRU's slots, no object or boxed number per decision.

/**
 * What our own decision cache keeps about each slot's answer besides its expiry (which lives in the decision itself,
 * read by every hit: own-decision-cache.ts), as two float32 columns by slot (8 B per slot, grown with the slots): how much
 * longer it may stand in for Licenzy during an outage once expired, and how long before its expiry the call behind it
 * started. Only a miss reads them (an outage, a `fresh` check).
 *
 * The stale window is rounded *down* to a float32 (never late: exact for whole ms up to 2^24, about 4.6 hours; at most
 * one float32 step, 2^-23 of the span, early otherwise). How long before expiry the call started is rounded *up*, in
 * whole ms and then to a float32: the call looks older than it was, never fresher.
 *
 * @example
 * const stamps = new DecisionStamps(16)
 * stamps.write(0, 30_000, 40_000, 31_000, 990) // served 30 s, stands in 10 s more, expires at 31,000, call started at 990
 * stamps.staleWindow(0) // 10_000
 * requestStartedAt(31_000, stamps.requestedBefore(0)) // 990
 */
export class DecisionStamps {
  /** Per slot, two float32s: the stale window after expiry, then how long before expiry the call started (-1: never fresh). */
  #spans: Float32Array;

  constructor(capacity: number) {
    this.#spans = new Float32Array(capacity * 2);
  }

  /** Slots the columns hold (every slot below it may be written). */
  get capacity(): number {
    return this.#spans.length / 2;
  }

  /** Makes room for `capacity` slots, keeping what the slots below the old capacity hold. */
  grow(capacity: number): void {
    if (capacity <= this.capacity) return;
    const spans = new Float32Array(capacity * 2);
    spans.set(this.#spans);
    this.#spans = spans;
  }

  /**
   * Records a slot's answer: served for `lifetime` ms and standing in until `staleLifetime` ms from when it was stored,
   * expiring at `until` (the duration clock); `requestedAt`: when the call behind it started (`-Infinity`: never fresh).
   */
  write(slot: number, lifetime: number, staleLifetime: number, until: number, requestedAt: number): void {
    const at = slot * 2;
    this.#spans[at] = float32AtMost(staleLifetime - lifetime);
    this.#spans[at + 1] = float32AtLeast(requestedAgo(until, requestedAt));
  }

  /** How long after its expiry the slot's answer may still stand in for Licenzy during an outage. */
  staleWindow(slot: number): number {
    return this.#spans[slot * 2] as number;
  }

  /** How long before its expiry the call behind the slot's answer started; -1 for never fresh (see {@link requestStartedAt}). */
  requestedBefore(slot: number): number {
    return this.#spans[slot * 2 + 1] as number;
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

/** The smallest float32 not below `x` (-1 stays -1: every whole number up to 2^24 is exact). */
export function float32AtLeast(x: number): number {
  return -float32AtMost(-x);
}

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
