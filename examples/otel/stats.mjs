// A one-line live summary of licenzy-gate from its diagnostics channels alone (no OpenTelemetry needed).
import { subscribe, unsubscribe } from 'node:diagnostics_channel';

const SOURCES = ['licenzy', 'cache', 'stale', 'fail-open', 'error'];
/** Licenzy attempts the percentiles are computed over (the most recent ones). */
const WINDOW = 1024;

/**
 * Subscribes to the `licenzy-gate:*` channels and keeps: decisions by source (`fail-open` requests are also
 * counted once as the gate's `error`), the hit ratio (cache hits over every gate decision) and the duration of
 * the last 1024 Licenzy attempts. Nothing is printed: `line()` renders the summary, `stop()` unsubscribes.
 *
 * @example
 * const stats = createStatsSummary();
 * setInterval(() => console.error(stats.line()), 1000).unref();
 * // licenzy-gate: 12 decisions (licenzy 3 · cache 8 · stale 0 · fail-open 0 · error 1) · hit ratio 67% · Licenzy p50 1.2 ms, p99 4.8 ms (3 calls)
 */
export function createStatsSummary() {
  const counts = Object.fromEntries(SOURCES.map((source) => [source, 0]));
  const durations = [];
  let nextSlot = 0;
  let calls = 0;
  const count = (source) => {
    if (Object.hasOwn(counts, source)) counts[source]++;
  };
  const listeners = {
    // A cache hit through gate.peek() ends synchronously with its result; a gate.check() ends in asyncEnd.
    'tracing:licenzy-gate:check:end': (event) => event.result !== undefined && count(event.result.source),
    'tracing:licenzy-gate:check:asyncEnd': (event) => count(event.result === undefined ? 'error' : event.result.source),
    'licenzy-gate:fail-open': () => count('fail-open'),
    'tracing:licenzy-gate:upstream:asyncEnd': (event) => {
      if (typeof event.duration !== 'number') return;
      durations[nextSlot] = event.duration;
      nextSlot = (nextSlot + 1) % WINDOW;
      calls++;
    },
  };
  for (const [name, listener] of Object.entries(listeners)) subscribe(name, listener);

  return {
    line() {
      const decided = counts.licenzy + counts.cache + counts.stale + counts.error;
      const ratio = decided === 0 ? '–' : `${Math.round((counts.cache / decided) * 100)}%`;
      const sorted = [...durations].sort((a, b) => a - b);
      const percentile = (p) => (sorted.length === 0 ? '–' : `${sorted[Math.ceil(p * sorted.length) - 1].toFixed(1)} ms`);
      const bySource = SOURCES.map((source) => `${source} ${counts[source]}`).join(' · ');
      return `licenzy-gate: ${decided} decisions (${bySource}) · hit ratio ${ratio} · Licenzy p50 ${percentile(0.5)}, p99 ${percentile(0.99)} (${calls} calls)`;
    },
    stop() {
      for (const [name, listener] of Object.entries(listeners)) unsubscribe(name, listener);
    },
  };
}
