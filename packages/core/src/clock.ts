// The gate's default clock: Date.now() read at most once per millisecond, since a read costs more than a cache hit.

let reading: number | undefined;
const forget = () => {
  reading = undefined;
};

/**
 * `Date.now()`, reused until an unref'd 1 ms timer clears it (lru-cache's `ttlResolution` technique). A cache
 * hit then costs a lookup instead of a call into C++. Staleness is bounded by 1 ms plus the time the event
 * loop is blocked — during which no timer can fire and no new request can arrive either.
 */
export function coarseNow(): number {
  if (reading === undefined) {
    reading = Date.now();
    setTimeout(forget, 1).unref();
  }
  return reading;
}
