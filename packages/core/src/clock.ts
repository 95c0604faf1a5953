// The gate's default clock: monotonic (never steps with NTP or a manual clock change), read at most once per
// millisecond, since a read costs more than a cache hit.

let reading: number | undefined;
const forget = () => {
  reading = undefined;
};

/**
 * `performance.now()` — milliseconds on a monotonic clock, so a wall-clock step back cannot stretch a TTL
 * and a step forward cannot cut one short — reused until an unref'd 1 ms timer clears it (lru-cache's
 * `ttlResolution` technique). A cache hit then costs a variable read instead of a call into C++. Staleness is
 * bounded by 1 ms plus the time the event loop is blocked, during which no timer fires and no request arrives.
 * Only durations are measured on it; `checkedAt` for display stays wall time (`Date.now()`).
 */
export function coarseNow(): number {
  if (reading === undefined) {
    reading = performance.now();
    setTimeout(forget, 1).unref();
  }
  return reading;
}

/** Drops the cached reading (tests that swap in fake timers call it, so no reading from real time survives). */
export function forgetCoarseReading(): void {
  reading = undefined;
}
