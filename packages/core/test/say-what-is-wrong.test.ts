// Issue 22, "say what is wrong, once, with the fix": every bad Licenzy answer, network error and misconfigured status
// route gives one clear, throttled line naming the call and the fix, and never the key, a body or the subject.
import { captureLogger, createMockLicenzy, useLocalLicenzy } from '@licenzy-gate/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { LicenzyAuthError, LicenzyResponseError, type AccessGateOptions } from '../src/index.js';
import { createGateCounters } from '../src/gate-stats.js';
import { LOG_WINDOW } from '../src/logger.js';
import { createAccessStatus } from '../src/status.js';
import { createUpstreamCaller } from '../src/upstream-caller.js';

const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach }, gate: { retries: 0, cache: false } });

let clock = 1_000_000;
beforeEach(() => {
  licenzy.mock.reset();
  clock = 1_000_000;
});

/** A gate on the local Licenzy whose lines are captured, on a clock the test moves. */
function gateWithLog(options: AccessGateOptions = {}) {
  const logger = captureLogger();
  const gate = licenzy.gate({ logger, now: () => clock, ...options });
  return { gate, logger };
}

/** Everything the lines say, for the secret scans. */
const everything = (logger: ReturnType<typeof captureLogger>) => logger.text().join('\n');

describe('a bad answer from Licenzy is said once per minute per kind, with the call and the fix', () => {
  it('a wrong baseUrl path (Licenzy answers 404): one error naming POST, the full URL and 404, "should end before /v1"; the next window says how many were held back', async () => {
    const baseUrl = `${licenzy.mock.url}/licenzy`;
    const { gate, logger } = gateWithLog({ baseUrl });
    for (const subject of ['user_a', 'user_b', 'user_c']) {
      await expect(gate.check(subject)).rejects.toMatchObject({ code: 'ERR_LICENZY_RESPONSE', status: 503 });
    }
    const url = `${baseUrl}/v1/access/check`;
    expect(logger.lines).toEqual([
      {
        level: 'error',
        message: `Licenzy answered HTTP 404 to POST ${url}; answering 503. Is \`baseUrl\` right? It should end before \`/v1\`.`,
        details: { mode: 'test', kind: 'status', method: 'POST', url, status: 404, error: 'Licenzy answered HTTP 404' },
      },
    ]);
    clock += LOG_WINDOW;
    await expect(gate.check('user_d')).rejects.toMatchObject({ code: 'ERR_LICENZY_RESPONSE' });
    expect(logger.lines).toHaveLength(2);
    expect(logger.lines[1]?.details).toMatchObject({ status: 404, suppressedSinceLast: 2 });
    expect(everything(logger)).not.toContain(licenzy.mock.testKey);
    expect(everything(logger)).not.toContain('user_');
  });

  it("a malformed body (the console's 'Malformed answers'): one error with what is wrong and \"is baseUrl pointing at Licenzy?\", never the body", async () => {
    const { gate, logger } = gateWithLog();
    licenzy.mock.fault({ type: 'raw', body: 'not json: BODY_MARKER' });
    for (const subject of ['user_a', 'user_b']) await expect(gate.check(subject)).rejects.toBeInstanceOf(LicenzyResponseError);
    const url = `${licenzy.mock.url}/v1/access/check`;
    expect(logger.lines).toEqual([
      {
        level: 'error',
        message: `Licenzy's answer to POST ${url} is malformed (Licenzy answer is not valid JSON); answering 503. Is \`baseUrl\` pointing at Licenzy?`,
        details: { mode: 'test', kind: 'malformed', method: 'POST', url, status: 200, error: 'Licenzy answer is not valid JSON' },
      },
    ]);
    expect(everything(logger)).not.toContain('BODY_MARKER');
    expect(everything(logger)).not.toContain(licenzy.mock.testKey);
  });

  it('an answer for another subject is malformed too, and names neither subject', async () => {
    const { gate, logger } = gateWithLog();
    licenzy.mock.grant('user_asked');
    licenzy.mock.fault({ type: 'subject', subjectRef: 'user_other' });
    await expect(gate.check('user_asked')).rejects.toBeInstanceOf(LicenzyResponseError);
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]?.message).toContain('is malformed (Licenzy answered for a different subject_ref); answering 503. Is `baseUrl` pointing at Licenzy?');
    expect(everything(logger)).not.toMatch(/user_asked|user_other/);
  });

  it('a rejected key (401): one error "is the API key right and for this mode?", never the key', async () => {
    const { gate, logger } = gateWithLog();
    licenzy.mock.fault({ type: 'status', status: 401 });
    await expect(gate.check('user_a')).rejects.toBeInstanceOf(LicenzyAuthError);
    await expect(gate.check('user_b')).rejects.toBeInstanceOf(LicenzyAuthError);
    const url = `${licenzy.mock.url}/v1/access/check`;
    expect(logger.lines).toEqual([
      {
        level: 'error',
        message: `Licenzy rejected the API key (HTTP 401) on POST ${url}; answering 500. Is the API key right and for this mode (test)?`,
        details: { mode: 'test', kind: 'auth', method: 'POST', url, status: 401, error: 'Licenzy rejected the API key (HTTP 401, invalid_api_key)' },
      },
    ]);
    expect(everything(logger)).not.toContain(licenzy.mock.testKey);
  });

  it('a customer-access URL carries {subject_ref} in place of the subject', async () => {
    const { gate, logger } = gateWithLog();
    licenzy.mock.fault({ type: 'status', status: 404 }, { path: '/v1/customer/access/*' });
    await expect(gate.customerAccess('user_private')).rejects.toBeInstanceOf(LicenzyResponseError);
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]?.details).toMatchObject({ method: 'GET', url: `${licenzy.mock.url}/v1/customer/access/{subject_ref}`, status: 404 });
    expect(everything(logger)).not.toContain('user_private');
  });

  it('an outage (503) is the outage line only, not a bad answer', async () => {
    const { gate, logger } = gateWithLog();
    licenzy.mock.fault({ type: 'status', status: 503 });
    await expect(gate.check('user_a')).rejects.toMatchObject({ code: 'ERR_LICENZY_UNAVAILABLE' });
    expect(logger.lines.map((line) => line.message)).toEqual(['Licenzy unavailable: checks the cache cannot answer are refused with 503']);
  });
});

describe('the throttle of bad answers (the upstream caller, injected clock)', () => {
  function caller() {
    let now = 0;
    const logger = captureLogger();
    const upstream = createUpstreamCaller({
      mode: 'live', now: () => now, logger, counters: createGateCounters(), circuitBreaker: undefined, maxConcurrent: 8, maxQueue: 8, watchdogMs: 1000,
    });
    const fail = (error: Error) => upstream.call('user_1', 'Access check', () => Promise.reject(error), (value) => value).catch(() => undefined);
    return { logger, fail, advance: (ms: number) => (now += ms) };
  }
  const request = { method: 'POST', url: 'https://licenzy.example/v1/access/check' };

  it('N bad answers of one kind give one line; the next window gives one more with the count held back; each kind has its own line', async () => {
    const { logger, fail, advance } = caller();
    for (let i = 0; i < 5; i++) await fail(new LicenzyResponseError('Licenzy answer is not valid JSON', { upstreamStatus: 200, request }));
    await fail(new LicenzyResponseError('Licenzy answered HTTP 404', { upstreamStatus: 404, request }));
    await fail(new LicenzyAuthError(403, 'plan_mode_not_allowed', request));
    expect(logger.lines.map((line) => line.details?.kind)).toEqual(['malformed', 'status', 'auth']);
    expect(logger.lines[2]?.message).toBe('Licenzy rejected the API key (HTTP 403) on POST https://licenzy.example/v1/access/check; answering 500. Is the API key right and for this mode (live)?');
    advance(LOG_WINDOW - 1);
    await fail(new LicenzyResponseError('Licenzy answer has no boolean `allowed`', { upstreamStatus: 200, request }));
    expect(logger.lines).toHaveLength(3);
    advance(1);
    await fail(new LicenzyResponseError('Licenzy answer has no boolean `allowed`', { upstreamStatus: 200, request }));
    expect(logger.lines).toHaveLength(4);
    expect(logger.lines[3]?.details).toMatchObject({ kind: 'malformed', suppressedSinceLast: 5, error: 'Licenzy answer has no boolean `allowed`' });
  });

  it('a redirect says redirects are not followed; an answer from a checker of your own names the call; a 409 (an idempotency key reused) is not logged', async () => {
    const { logger, fail } = caller();
    await fail(new LicenzyResponseError('Licenzy answered a redirect (HTTP 301); not followed', { upstreamStatus: 301, request }));
    await fail(new LicenzyResponseError('Licenzy answered HTTP 400', { upstreamStatus: 400 }));
    await fail(new LicenzyResponseError('Licenzy refused the usage event (409)', { upstreamStatus: 409, request }));
    expect(logger.lines.map((line) => line.message)).toEqual([
      'Licenzy answered HTTP 301 to POST https://licenzy.example/v1/access/check; answering 503. Is `baseUrl` right (https, host)? Redirects are not followed.',
      'Licenzy answered HTTP 400 to Access check; answering 503. Is `baseUrl` pointing at Licenzy?',
    ]);
  });
});

describe('a network error names the host and port', () => {
  it('the outage line carries ECONNREFUSED <host>:<port>, and nothing of the key or path', async () => {
    // A local Licenzy that has stopped: its port refuses connections.
    const stopped = await createMockLicenzy();
    await stopped.close();
    const { port, hostname } = new URL(stopped.url);
    const { gate, logger } = gateWithLog({ baseUrl: `http://${hostname}:${port}/some/prefix` });
    await expect(gate.check('user_a')).rejects.toMatchObject({ code: 'ERR_LICENZY_UNAVAILABLE', reason: 'network' });
    expect(logger.lines).toEqual([
      {
        level: 'warn',
        message: 'Licenzy unavailable: checks the cache cannot answer are refused with 503',
        details: { mode: 'test', reason: 'network', cause: `ECONNREFUSED ${hostname}:${port}` },
      },
    ]);
    expect(everything(logger)).not.toMatch(new RegExp(`${licenzy.mock.testKey}|prefix|user_a`));
  });
});

describe('the status route says what is misconfigured', () => {
  it("its line carries the error's message, not only the code, once per window", async () => {
    const { gate } = gateWithLog({ logger: { warn: vi.fn(), error: vi.fn() } });
    const logger = captureLogger();
    const route = createAccessStatus<{ user: string }>({ gate, logger, wait: 0 }, (req) => req.user);
    licenzy.mock.fault({ type: 'status', status: 401 });
    expect((await route.reply({ user: 'user_a' })).status).toBe(500);
    expect((await route.reply({ user: 'user_b' })).status).toBe(500);
    expect(logger.lines).toEqual([
      {
        level: 'error',
        message: 'access status route misconfigured; answering 500 access_misconfigured',
        details: { code: 'ERR_LICENZY_AUTH', message: 'Licenzy rejected the API key (HTTP 401, invalid_api_key)' },
      },
    ]);
    expect(everything(logger)).not.toContain(licenzy.mock.testKey);
  });
});

