// examples/otel/stats.mjs (the `npm start -- --stats` line): counts from the channels alone, and the flag end to end.
import { execFile } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { createGuard } from '@licenzy-gate/core/adapter';
import { useLocalLicenzy } from '@licenzy-gate/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from './harness.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
type StatsModule = { createStatsSummary(): { line(): string; stop(): void } };
const statsModule = pathToFileURL(`${root}examples/otel/stats.mjs`).href;

const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach } });

describe('createStatsSummary()', () => {
  it('counts decisions by source, the hit ratio and Licenzy percentiles; stop() unsubscribes', async () => {
    const { createStatsSummary } = (await import(statsModule)) as StatsModule;
    const stats = createStatsSummary();
    try {
      expect(stats.line()).toBe('licenzy-gate: 0 decisions (licenzy 0 · cache 0 · stale 0 · fail-open 0 · error 0) · hit ratio – · Licenzy p50 –, p99 – (0 calls)');
      const gate = licenzy.gate({ retries: 0, circuitBreaker: false, cache: { errorTtl: 0 }, logger: silentLogger });
      const guard = createGuard<{ id: string }, () => void>({ gate, onUnavailable: 'allow', logger: silentLogger }, (req) => req.id);
      licenzy.mock.grant('user_a');
      await gate.check('user_a');
      gate.peek('user_a');
      await gate.check('user_a');
      await gate.check('user_free');
      const outage = licenzy.mock.fault({ type: 'status', status: 503 });
      expect(await guard.run({ id: 'user_x' })).toMatchObject({ allowed: true, decision: { source: 'fail-open' } });
      outage.remove();
      // 5 gate decisions (2 licenzy, 2 cache, 1 error), 2 of them cache hits; 3 Licenzy attempts.
      expect(stats.line()).toMatch(/^licenzy-gate: 5 decisions \(licenzy 2 · cache 2 · stale 0 · fail-open 1 · error 1\) · hit ratio 40% · Licenzy p50 \d+\.\d ms, p99 \d+\.\d ms \(3 calls\)$/);
      stats.stop();
      gate.peek('user_a');
      expect(stats.line()).toMatch(/^licenzy-gate: 5 decisions/);
    } finally {
      stats.stop();
    }
  });
});

describe('npm start -- --stats', () => {
  it('preloads the summary into the demo app, which prints it (here at exit, after the --check requests)', async () => {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['scripts/start.mjs', 'express', '--check', '--stats'], { cwd: root, timeout: 60_000 });
    expect(stdout).toContain('Live stats (decisions by source, hit ratio, Licenzy p50/p99)');
    // The --check requests (200, 401, 403, the metered route, the checkout scene) all reach the gate with Licenzy up:
    // the final line counts their decisions, none an error, and Licenzy's answer times.
    const lines = stderr.split('\n').filter((line) => line.startsWith('licenzy-gate: '));
    const last = lines.at(-1) ?? '';
    const match = /^licenzy-gate: (\d+) decisions \(licenzy (\d+) · cache (\d+) · stale 0 · fail-open 0 · error 0\) · hit ratio \d+% · Licenzy p50 \d+\.\d ms, p99 \d+\.\d ms \((\d+) calls\)$/.exec(last);
    expect(match, last).not.toBeNull();
    const [, decisions, licenzy, cache, calls] = (match ?? []).map(Number);
    expect(licenzy! + cache!).toBe(decisions);
    expect(licenzy).toBeGreaterThanOrEqual(2); // at least user_paid (200) and user_free (403) were asked
    expect(calls).toBeGreaterThanOrEqual(licenzy!);
  }, 90_000);
});
