// The Licenzy emulator itself: a node:http server wiring state, faults, latency and the request log together.
import { setMaxListeners } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { defaultFaultBody, FaultQueue, mutateAnswer, oversizedBody, type MockFault, type MockFaultHandle, type MockFaultOptions } from './mock-faults.js';
import { drip, MAX_BODY_BYTES, readBody, send, wait } from './mock-http.js';
import { parseLoggedBody, redactHeaders, RequestLog, type MockRequestLogEntry } from './mock-log.js';
import { checkMilliseconds, MockLicenzyConfigError, resolveMockOptions, type MockLicenzyOptions, type MockMode } from './mock-options.js';
import { modeOfCall, planCall, type CallPlan, type IncomingCall, type Reply } from './mock-routes.js';
import { MockState, type MockEntitlement, type MockEntitlementInput } from './mock-state.js';

/**
 * Which environment a state operation targets.
 * @example
 * mock.grant('user_1', undefined, { mode: 'live' });
 */
export interface MockModeOption {
  /** Default `'test'`. */
  mode?: MockMode;
}

/**
 * A running Licenzy emulator. Create it with {@link createMockLicenzy}; always `await mock.close()` when done.
 * @example
 * const mock = await createMockLicenzy();
 * mock.grant('user_123');
 * const res = await fetch(`${mock.url}/v1/access/check`, {
 *   method: 'POST',
 *   headers: { authorization: `Bearer ${mock.testKey}`, 'content-type': 'application/json' },
 *   body: JSON.stringify({ subject_ref: 'user_123' }),
 * }); // 200 {"subject_ref":"user_123","allowed":true}
 * await mock.close();
 */
export interface MockLicenzy {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:53121`. */
  readonly url: string;
  /** The port actually bound. */
  readonly port: number;
  /** First accepted `lz_test_` key; throws {@link MockLicenzyConfigError} if `keys` had none. */
  readonly testKey: string;
  /** First accepted `lz_live_` key; throws {@link MockLicenzyConfigError} if `keys` had none. */
  readonly liveKey: string;
  /** Logged requests, oldest first (at most `maxLoggedRequests`). */
  readonly requests: readonly MockRequestLogEntry[];
  /** Contract violations seen, as human-readable strings, oldest first. */
  readonly violations: readonly string[];
  /** TCP connections accepted since start (not reset by `clearLog()`); 1 after N keep-alive requests. */
  readonly connections: number;
  /** Adds an entitlement (default: an active subscription without expiry) and returns a copy of it. */
  grant(subjectRef: string, entitlement?: MockEntitlementInput, options?: MockModeOption): MockEntitlement;
  /** Removes every entitlement of the subject in that mode. */
  revoke(subjectRef: string, options?: MockModeOption): void;
  /** Copies of the subject's entitlements in that mode, e.g. to assert remaining usage. */
  entitlements(subjectRef: string, options?: MockModeOption): MockEntitlement[];
  /** Clears all state: entitlements, idempotency keys, faults, the log and violations. Latency is kept. */
  reset(): void;
  /** Scripts a fault for the next `times` matching requests (FIFO). */
  fault(fault: MockFault, options?: MockFaultOptions): MockFaultHandle;
  /** Withdraws every scripted fault. */
  clearFaults(): void;
  /** Sets the latency in milliseconds added before every response. */
  setLatency(ms: number): void;
  /** Requests seen for `'POST /v1/access/check'`, for `'/v1/access/check'` (any method), or in total. */
  count(pathOrEndpoint?: string): number;
  /** Requests seen per endpoint, e.g. `{ 'POST /v1/access/check': 3 }`. */
  counts(): Record<string, number>;
  /** Clears the request log, counts and violations. */
  clearLog(): void;
  /** Stops listening and destroys every open socket, hung requests included. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts a local Licenzy emulator on 127.0.0.1 (port 0 by default) that answers as the public contract documents.
 * Rejects with {@link MockLicenzyConfigError} on bad options, or with the listen error (e.g. EADDRINUSE).
 * @example
 * const mock = await createMockLicenzy({ now: () => clock });
 * mock.grant('user_123', { kind: 'time_pass', expiresAt: clock + 60_000 });
 * mock.fault({ type: 'status', status: 503, headers: { 'retry-after': '1' } }, { times: 1 });
 */
export async function createMockLicenzy(options: MockLicenzyOptions = {}): Promise<MockLicenzy> {
  const config = resolveMockOptions(options);
  const state = new MockState();
  const faults = new FaultQueue();
  const log = new RequestLog(config.maxLoggedRequests);
  const closing = new AbortController();
  // Every delayed or hung request listens for close(); many at once are normal, not a leak.
  setMaxListeners(0, closing.signal);
  const sockets = new Set<Socket>();
  let latency = config.latency;
  let connections = 0;

  const context = { state, keys: config.keys, now: config.now, violation: (message: string) => log.violation(message) };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = config.now();
    const target = req.url ?? '/';
    const queryAt = target.indexOf('?');
    const path = queryAt === -1 ? target : target.slice(0, queryAt);
    const bodyText = await readBody(req, MAX_BODY_BYTES);
    if (bodyText === 'aborted' || closing.signal.aborted) return;

    const call: IncomingCall = {
      method: req.method ?? 'GET',
      path,
      query: new URLSearchParams(queryAt === -1 ? '' : target.slice(queryAt + 1)),
      headers: req.headers,
      bodyText: bodyText === 'too_large' ? '' : bodyText,
    };
    const entry: MockRequestLogEntry = {
      method: call.method,
      path,
      headers: redactHeaders(req.headers),
      body: bodyText === 'too_large' ? `<over ${MAX_BODY_BYTES} bytes, not kept>` : parseLoggedBody(bodyText),
      mode: modeOfCall(call, config.keys),
      status: undefined,
      at,
    };
    log.record(entry);
    const reply = (status: number, body: unknown, headers?: Record<string, string>, contentType?: string) => {
      entry.status = status;
      send(res, status, body, headers, contentType);
    };

    if (bodyText === 'too_large') {
      log.violation(`${call.method} ${path}: body larger than ${MAX_BODY_BYTES} bytes`);
      // The unread rest of the body would be parsed as the next request, so this connection must end.
      return reply(413, { error: 'payload_too_large' }, { connection: 'close' });
    }
    // Plan (and record violations) and take the fault at arrival, so FIFO order follows arrival order.
    const plan = planCall(call, context);
    const fault = faults.take(path);
    if (!(await wait(latency, closing.signal))) return;
    if (!fault) {
      const answer = plan.answer();
      return reply(answer.status, answer.body, answer.headers);
    }
    await applyFault(fault, plan, req, res, entry, reply);
  }

  async function applyFault(
    fault: MockFault,
    plan: CallPlan,
    req: IncomingMessage,
    res: ServerResponse,
    entry: MockRequestLogEntry,
    reply: (status: number, body: unknown, headers?: Record<string, string>, contentType?: string) => void,
  ): Promise<void> {
    const normal = (): Reply => plan.answer();
    switch (fault.type) {
      case 'status':
        return reply(fault.status, JSON.stringify(fault.body ?? defaultFaultBody(fault.status)), fault.headers);
      case 'delay': {
        if (!(await wait(fault.ms, closing.signal))) return;
        const answer = normal();
        return reply(answer.status, answer.body, answer.headers);
      }
      case 'hang':
        return; // close() or the client ends it.
      case 'reset':
        req.socket.resetAndDestroy();
        return;
      case 'raw':
        return reply(fault.status ?? 200, fault.body, undefined, fault.contentType ?? 'application/json');
      case 'drip': {
        const answer = fault.body === undefined ? normal() : { status: 200, body: fault.body };
        entry.status = answer.status;
        const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
        return drip(res, answer.status, text, { chunkBytes: fault.chunkBytes ?? 1, intervalMs: fault.intervalMs, signal: closing.signal });
      }
      case 'oversized':
        return reply(200, oversizedBody(plan.subjectRef ?? 'x', fault.bytes));
      case 'subject':
      case 'allowed': {
        const answer = normal();
        const ok = answer.status >= 200 && answer.status < 300;
        return reply(answer.status, ok ? mutateAnswer(fault, answer.body) : answer.body, answer.headers);
      }
      case 'redirect':
        return reply(fault.status ?? 302, undefined, { location: fault.location });
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      // A bug in the emulator must fail the test that hit it, not hide as a client-side oddity.
      log.violation(`mock internal error: ${err instanceof Error ? err.message : String(err)}`);
      send(res, 500, { error: 'mock_internal_error' });
    });
  });
  // Keep-alive must survive between a test's requests, which rarely sit idle for 5 s.
  server.keepAliveTimeout = 5000;
  server.on('connection', (socket: Socket) => {
    connections += 1;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  const firstKey = (mode: MockMode): string => {
    for (const [key, keyMode] of config.keys) if (keyMode === mode) return key;
    throw new MockLicenzyConfigError('keys', `no lz_${mode}_ key was configured`);
  };
  const modeOf = (options: MockModeOption | undefined): MockMode => {
    const mode = options?.mode ?? 'test';
    if (mode !== 'test' && mode !== 'live') throw new MockLicenzyConfigError('mode', `expected 'test' or 'live', got ${String(mode)}`);
    return mode;
  };
  let closed: Promise<void> | undefined;

  return {
    url,
    port,
    get testKey() {
      return firstKey('test');
    },
    get liveKey() {
      return firstKey('live');
    },
    get requests() {
      return log.requests;
    },
    get violations() {
      return log.violations;
    },
    get connections() {
      return connections;
    },
    grant: (subjectRef, entitlement = {}, options) => state.grant(modeOf(options), subjectRef, entitlement, config.now()),
    revoke: (subjectRef, options) => state.revoke(modeOf(options), subjectRef),
    entitlements: (subjectRef, options) => state.entitlements(modeOf(options), subjectRef),
    reset: () => {
      state.reset();
      faults.clear();
      log.clear();
    },
    fault: (fault, options) => faults.add(fault, options),
    clearFaults: () => faults.clear(),
    setLatency: (ms) => {
      latency = checkMilliseconds('latency', ms);
    },
    count: (pathOrEndpoint) => log.count(pathOrEndpoint),
    counts: () => log.counts(),
    clearLog: () => log.clear(),
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        closing.abort();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closed;
    },
  };
}
