// Smoke test of examples/otel/server.mjs: the built packages, a real Prometheus endpoint, the metrics a user would scrape.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));

function newest(dir: string): number {
  return Math.max(...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs)));
}

let child: ChildProcess;
let appUrl: string;
let metricsUrl: string;

beforeAll(async () => {
  // The example imports the built package, as a user's app would: a stale dist/ would test old code.
  const built = join(root, 'packages/otel/dist/esm/index.js');
  const stale = (() => {
    try {
      return statSync(built).mtimeMs < newest(join(root, 'packages/otel/src'));
    } catch {
      return true;
    }
  })();
  if (stale) throw new Error('packages/otel/dist is missing or older than src: run `npm run build` first (npm test does)');
  child = spawn(process.execPath, [join(root, 'examples/otel/server.mjs')], {
    env: { ...process.env, PORT: '0', METRICS_PORT: '0', METRICS_EXPORTER: 'prometheus', LICENZY_API_URL: undefined, LICENZY_API_KEY: undefined },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout!.setEncoding('utf8');
  const ready = new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`example exited early (${code}): ${output}`)));
    child.stdout!.on('data', (chunk: string) => {
      output += chunk;
      const app = /listening on (http:\/\/\S+)/.exec(output)?.[1];
      const scrape = /metrics on (http:\/\/\S+)/.exec(output)?.[1];
      if (app !== undefined && scrape !== undefined) {
        appUrl = app;
        metricsUrl = scrape;
        resolve();
      }
    });
  });
  await ready;
}, 30_000);

afterAll(async () => {
  if (child === undefined || child.exitCode !== null) return;
  child.removeAllListeners('exit');
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
});

describe('examples/otel/server.mjs', () => {
  it('serves the gated route and exposes the decision metrics on its Prometheus endpoint', async () => {
    const paid = { authorization: 'Demo user_paid' };
    expect((await fetch(`${appUrl}/pro/report`, { headers: paid })).status).toBe(200);
    expect((await fetch(`${appUrl}/pro/report`, { headers: paid })).status).toBe(200);
    expect((await fetch(`${appUrl}/pro/report`, { headers: { authorization: 'Demo user_free' } })).status).toBe(403);
    const scraped = await (await fetch(metricsUrl)).text();
    const line = (source: string, allowed: boolean) =>
      new RegExp(`^licenzy_gate_decisions_total\\{licenzy_decision_source="${source}",licenzy_decision_allowed="${allowed}",licenzy_mode="test"[^}]*\\} 1$`, 'm');
    expect(scraped).toMatch(line('licenzy', true));
    expect(scraped).toMatch(line('cache', true));
    expect(scraped).toMatch(line('licenzy', false));
    expect(scraped).toMatch(/^licenzy_client_request_duration_count\{[^}]*http_response_status_code="200"[^}]*\} 2$/m);
    expect(scraped).toMatch(/^licenzy_gate_cache_entries\{licenzy_mode="test"[^}]*\} 2$/m);
    expect(scraped).toMatch(/^licenzy_gate_circuit_state\{licenzy_mode="test",licenzy_circuit_state="open"[^}]*\} 0$/m);
    expect(scraped).not.toContain('user_paid');
  });
});
