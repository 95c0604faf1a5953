// Tests the low-level HTTP helpers: capped body reading, abortable waits, and answer writing.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { drip, readBody, send, wait } from '../src/mock-http.js';

let server: Server | undefined;
afterEach(async () => {
  const running = server;
  server = undefined;
  if (!running) return;
  running.closeAllConnections();
  await new Promise((resolve) => running.close(resolve));
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

describe('readBody', () => {
  it('reads a body under the limit and flags one over it', async () => {
    const url = await serve((req, res) => {
      void readBody(req, 10).then((text) => send(res, 200, { text }, { connection: 'close' }));
    });
    expect(await (await fetch(url, { method: 'POST', body: 'héllo' })).json()).toEqual({ text: 'héllo' });
    expect(await (await fetch(url, { method: 'POST', body: 'x'.repeat(11) })).json()).toEqual({ text: 'too_large' });
  });
});

describe('wait', () => {
  it('resolves true after the delay, false when aborted', async () => {
    const controller = new AbortController();
    expect(await wait(1, controller.signal)).toBe(true);
    const pending = wait(60_000, controller.signal);
    controller.abort();
    expect(await pending).toBe(false);
    expect(await wait(1, controller.signal)).toBe(false);
  });
});

describe('send', () => {
  it('JSON-encodes objects, sends strings verbatim and omits bodies for 204', async () => {
    const url = await serve((req, res) => {
      if (req.url === '/json') send(res, 200, { a: 1 });
      else if (req.url === '/text') send(res, 200, 'plain', {}, 'text/plain');
      else send(res, 204, { ignored: true });
    });
    const json = await fetch(`${url}/json`);
    expect([json.headers.get('content-type'), await json.text()]).toEqual(['application/json', '{"a":1}']);
    const text = await fetch(`${url}/text`);
    expect([text.headers.get('content-type'), await text.text()]).toEqual(['text/plain', 'plain']);
    const empty = await fetch(`${url}/none`);
    expect([empty.status, await empty.text()]).toEqual([204, '']);
  });
});

describe('drip', () => {
  it('delivers the whole body in chunks', async () => {
    const controller = new AbortController();
    const url = await serve((_req, res) => void drip(res, 200, '{"ok":true}', { chunkBytes: 3, intervalMs: 1, signal: controller.signal }));
    expect(await (await fetch(url)).json()).toEqual({ ok: true });
  });

  it('truncates the body when aborted', async () => {
    const controller = new AbortController();
    const url = await serve((_req, res) => {
      void drip(res, 200, '{"ok":true}', { chunkBytes: 1, intervalMs: 60_000, signal: controller.signal });
      setImmediate(() => controller.abort());
    });
    const res = await fetch(url);
    await expect(res.text()).rejects.toThrow();
  });
});
