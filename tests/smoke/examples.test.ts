// The example apps (on the built packages) answer the same JSON shape for the same paid route.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { useLocalLicenzy } from '@licenzy-gate/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach } });
const children: ChildProcess[] = [];

beforeAll(() => {
  licenzy.mock.grant('user_paid');
});
afterAll(() => {
  for (const child of children) child.kill();
});

/** Starts an example on a free port and resolves its URL once it says where it listens. */
function start(framework: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`examples/${framework}/server.mjs`], {
      cwd: root,
      env: { ...process.env, PORT: '0', LICENZY_API_KEY: licenzy.mock.testKey, LICENZY_API_URL: licenzy.mock.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`examples/${framework} exited with ${code}`)));
  });
}

describe('the examples', () => {
  it('answer GET /pro/report with the same JSON shape on Express, Koa, Fastify and Hono', async () => {
    const bodies: Record<string, unknown> = {};
    for (const framework of ['express', 'koa', 'fastify', 'hono']) {
      const url = await start(framework);
      const response = await fetch(`${url}/pro/report`, { headers: { authorization: 'Demo user_paid' } });
      expect(response.status).toBe(200);
      bodies[framework] = await response.json();
    }
    const expected = { report: 'Quarterly numbers, for paying users only', subjectRef: 'user_paid', source: expect.stringMatching(/^(licenzy|cache)$/) };
    expect(bodies).toEqual({ express: expected, koa: expected, fastify: expected, hono: expected });
  }, 60_000);
});
