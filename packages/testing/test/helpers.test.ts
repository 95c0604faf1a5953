import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { captureLogger, fetchJson, listen, uniqueSubject } from '../src/index.js';

describe('listen', () => {
  it('serves a request listener on a free loopback port, and close() ends keep-alive connections too', async () => {
    const running = await listen((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
    expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await fetchJson(running.url)).toMatchObject({ status: 200, json: { ok: true } });
    await running.close();
    expect(running.server.listening).toBe(false);
  });

  it('accepts a Node server as is', async () => {
    const server = createServer((_req, res) => res.end('plain'));
    const running = await listen(server);
    expect(running.server).toBe(server);
    expect(await fetchJson(running.url)).toMatchObject({ status: 200, text: 'plain', json: undefined });
    await running.close();
  });
});

describe('captureLogger', () => {
  it('keeps each line structured and as text', () => {
    const logger = captureLogger();
    logger.warn('slow', { ms: 5 });
    logger.error('down');
    expect(logger.lines).toEqual([
      { level: 'warn', message: 'slow', details: { ms: 5 } },
      { level: 'error', message: 'down', details: undefined },
    ]);
    expect(logger.text()).toEqual(['warn slow {"ms":5}', 'error down {}']);
  });
});

describe('uniqueSubject', () => {
  it('never repeats within a process, and is a valid subject_ref', () => {
    const seen = new Set(Array.from({ length: 1000 }, () => uniqueSubject('t')));
    expect(seen.size).toBe(1000);
    for (const subject of seen) expect(subject).toMatch(/^t_\d+_\d+$/);
  });
});
