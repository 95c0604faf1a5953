// The HTTP load generator: autocannon's programmatic API, with latency recorded at full resolution.
import autocannon from 'autocannon';
import { percentile } from './stats.mjs';

/**
 * Runs autocannon against `url` for `duration` seconds (or `amount` requests) with `connections` keep-alive connections.
 * autocannon's own histogram rounds latencies to whole milliseconds, too coarse for sub-millisecond
 * responses, so every 2xx latency is also taken from its `response` event (a float in ms).
 * Returns requests/s of 2xx answers, p50/p99 in ms, and the counts needed to trust the run.
 */
export async function runLoad({ url, connections, duration, amount, requests, headers }) {
  const latencies = [];
  let ok = 0;
  let other = 0;
  const started = performance.now();
  const instance = autocannon({ url, connections, ...(amount === undefined ? { duration } : { amount }), requests, headers, pipelining: 1 });
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    if (statusCode >= 200 && statusCode < 300) {
      ok++;
      latencies.push(responseTime);
    } else {
      other++;
    }
  });
  const result = await instance;
  const seconds = (performance.now() - started) / 1000;
  return {
    rps: ok / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    ok,
    non2xx: other,
    errors: result.errors + result.timeouts,
    seconds,
  };
}
