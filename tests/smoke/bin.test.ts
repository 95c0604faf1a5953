// The documented `npx licenzy-mock` must run from a fresh clone after `npm install` + build (executable bin).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../../node_modules/.bin/licenzy-mock', import.meta.url));

describe('licenzy-mock bin', () => {
  it('starts from node_modules/.bin, serves the granted subject, and stops on SIGINT', async () => {
    const child = spawn(bin, ['--port', '0', '--grant', 'user_123'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    const ready = new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: string) => {
        out += chunk;
        const url = /LICENZY_API_URL=(\S+)/.exec(out)?.[1];
        const key = /LICENZY_API_KEY=(\S+)/.exec(out)?.[1];
        if (url && key) resolve(JSON.stringify({ url, key }));
      });
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`licenzy-mock exited early (${code}): ${out}`)));
    });
    const { url, key } = JSON.parse(await ready) as { url: string; key: string };
    const response = await fetch(`${url}/v1/access/check`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ subject_ref: 'user_123' }),
    });
    expect(await response.json()).toEqual({ subject_ref: 'user_123', allowed: true });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  }, 30_000);
});
