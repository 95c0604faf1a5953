// The gate's default clock: monotonic (never steps with NTP or a manual clock change), read at most once per
// COARSE_CLOCK_PERIOD ms while in use, since a read costs more than a cache hit.

/**
 * How often (ms) the coarse clock's timer takes a new reading while the clock is in use, i.e. how far behind the true
 * time a reading may be (plus any time the event loop is blocked). The decision cache judges expiry with this lag
 * added (`COARSE_CLOCK_LAG`), so a decision is never served past its TTL because the reading was old; it may be
 * refreshed up to twice this early instead.
 *
 * Why 10 and not 1 (issue 25): every firing of a Node timer allocates ~430 B and runs Node's own timer code
 * (`processTimers`, `listOnTimeout`, the callback scope; ~12,600 instructions under callgrind), whatever the callback
 * does. Under load the clock is in use in every millisecond, so a 1 ms timer fired in nearly every event-loop iteration
 * (one per ~30 requests): with it, a gated Koa app allocated 8.7 B per request more than an empty-middleware one; with
 * 10 ms, 1.4 B (A/A 1.2 B). `bench/experiments/timer-alloc.cjs` and `alloc-apps.mjs` measure it.
 */
export const COARSE_CLOCK_PERIOD = 10;
/**
 * How far behind the true time a coarse reading may be, in ms (blocked event loops aside): one timer period, plus the
 * under 1 ms a reading loses to being whole milliseconds.
 */
export const COARSE_CLOCK_LAG = COARSE_CLOCK_PERIOD + 1;

/**
 * `performance.now()` rounded down to whole ms. A whole number is a small integer (Smi) in V8 until 2^31 ms (24.8 days)
 * after the process started, so a reading held in a field is the value itself, not a pointer to a heap number: one
 * object fewer for a cache hit to fetch (issue 25). Later readings are heap numbers again: as correct, one load more.
 */
function wholeMs(): number {
  return Math.floor(performance.now());
}

/**
 * The reading (`undefined` when dropped) and whether the clock was read since the timer last fired (if not, the timer
 * stops until the next read), as fields of one object held by a `const` rather than module-level `let`s (issue 25): the
 * hit path then reads and writes fields of a known object, with no check that a `let` is initialised. `reading` holds
 * `undefined` or a number, so its field stays tagged and a read hands on the number the timer stored: a float64 field
 * would be boxed anew (16 B) wherever a read meets `firstReading()`'s result, on every hit (measured: bench 1's sampled
 * bytes in the gate's own code went from 0 to 9–15 per request with one).
 */
const state: { reading: number | undefined; used: boolean } = { reading: undefined, used: false };
/** One unref'd timer, re-armed from its own callback while the clock is in use (never created per read). */
let timer: ReturnType<typeof setTimeout> | undefined;
let ticking = false;
/**
 * Set when `setTimeout` returned a plain number (Deno's global, workerd, browsers): a handle with no `refresh` cannot be
 * re-armed from its callback, and on workerd a timer does not outlive the request that set it, so a cached reading could
 * stop moving for good (a cached grant would never expire). There the clock is read on every call instead.
 */
let direct = false;

function tick(self: ReturnType<typeof setTimeout> | undefined): void {
  if (self !== timer) return; // a timer dropped by forgetCoarseReading()
  if (state.used) {
    // In use: the next reading is taken here, between macrotasks, rather than by the next request to read the clock.
    state.used = false;
    state.reading = wholeMs();
    timer?.refresh();
  } else {
    state.reading = undefined;
    ticking = false;
  }
}

function start(): void {
  ticking = true;
  if (timer !== undefined && typeof timer.refresh === 'function') {
    timer.refresh();
    return;
  }
  const created: ReturnType<typeof setTimeout> = setTimeout(() => tick(created), COARSE_CLOCK_PERIOD);
  if (typeof (created as { refresh?: unknown } | undefined)?.refresh !== 'function') {
    // Not Node's Timeout (nor Bun's): no coarse reading on this runtime; every read takes the clock.
    clearTimeout(created);
    direct = true;
    state.reading = undefined;
    ticking = false;
    return;
  }
  timer = created;
  created.unref?.();
}

/** The first read since the reading was dropped: take it and arm the timer, or, with numeric timers, read every time. */
function firstReading(): number {
  const now = wholeMs();
  if (direct) return now;
  state.reading = now;
  if (!ticking) start();
  return now;
}

/**
 * `performance.now()` — milliseconds on a monotonic clock, so a wall-clock step back cannot stretch a TTL
 * and a step forward cannot cut one short — in whole ms (rounded down, see {@link COARSE_CLOCK_LAG}), reused until an unref'd timer replaces it every
 * {@link COARSE_CLOCK_PERIOD} ms (lru-cache's `ttlResolution` technique). A cache hit then costs a variable read
 * instead of a call into C++. Staleness is bounded by {@link COARSE_CLOCK_LAG} ms plus the time the event loop is
 * blocked, during which no timer fires and no request arrives; the decision cache adds that lag when it judges
 * expiry. Only durations are measured on it; `checkedAt` for display stays wall time (`Date.now()`).
 *
 * While the clock is in use, the one timer re-arms itself from its callback (`refresh()`) and takes the next reading
 * there, so a read on the request path is a variable read (and a flag set) even in the first request after the timer
 * fired: no `performance.now()` call (~40 ns), no `Timeout` allocated and no timer list touched per period. That
 * is the same one `performance.now()` per period in use as reading on the first request, paid between macrotasks
 * instead of inside one. A period without a read stops the timer and drops the reading; the next read takes one
 * and starts the timer again, so an idle process is not woken.
 *
 * Where `setTimeout` returns a number (Deno's global timers, workerd, browsers) there is no handle to re-arm: the clock
 * is then read on every call, so it never stops (the hit path on Node is unchanged).
 */
export function coarseNow(): number {
  state.used = true;
  const reading = state.reading;
  return reading === undefined ? firstReading() : reading;
}

/**
 * Drops the cached reading and its timer (tests that swap in fake timers call it, so no reading or timer from
 * real time survives into fake time, nor a fake timer into real time). Dropped, not cleared: a real timer handed
 * to a fake clearTimeout (or the reverse) is not theirs to clear; a dropped timer that fires later does nothing.
 */
export function forgetCoarseReading(): void {
  state.reading = undefined;
  state.used = false;
  ticking = false;
  timer = undefined;
  direct = false;
}
