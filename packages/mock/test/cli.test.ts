// Tests the built licenzy-mock bin as a real process: startup output and a clean stop on SIGTERM/SIGINT.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The bin is the compiled dist/cjs/cli.js; Node 20 cannot run the .ts source, so this needs a prior build.
const bin = join(__dirname, '..', 'dist', 'cjs', 'cli.js');

function start(args: string[]) {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', () => {
      const url = /^LICENZY_API_URL=(\S+)$/m.exec(stdout)?.[1];
      if (url && /^LICENZY_API_KEY=/m.test(stdout)) resolve(url);
    });
    void exited.then((code) => reject(new Error(`exited with ${code}: ${stderr}`)));
  });
  // Runs that are expected to fail never await `ready`.
  ready.catch(() => {});
  return { child, ready, exited, output: () => ({ stdout, stderr }) };
}

// The spawned bin is the built dist/cjs/cli.js: `npm test` always builds first, and CI must never skip this.
// A bare `vitest` run without a build skips it, with the reason in the title.
describe.skipIf(!existsSync(bin) && !process.env.CI)('licenzy-mock bin (skipped only when dist/ is not built and not in CI)', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('serves granted subjects and exits 0 on %s', async (signal) => {
    const run = start(['--grant', 'user_123']);
    const url = await run.ready;
    const res = await fetch(`${url}/v1/access/check`, {
      method: 'POST',
      headers: { authorization: `Bearer ${/^LICENZY_API_KEY=(\S+)$/m.exec(run.output().stdout)?.[1]}`, 'content-type': 'application/json' },
      body: '{"subject_ref":"user_123"}',
    });
    expect(await res.json()).toEqual({ subject_ref: 'user_123', allowed: true });
    run.child.kill(signal);
    expect(await run.exited).toBe(0);
    expect(run.output().stdout).toContain('# licenzy-mock stopped');
  });

  it('exits non-zero on an unknown flag', async () => {
    const run = start(['--nope']);
    expect(await run.exited).toBe(2);
    expect(run.output().stderr).toMatch(/Unknown option '--nope'/);
  });
});
