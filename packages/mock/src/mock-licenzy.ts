// The Licenzy emulator itself: a node:http server wiring state, faults, latency and the request log together.
import { setMaxListeners } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { defaultFaultBody, FaultQueue, mutateAnswer, oversizedBody, type MockFault, type MockFaultHandle, type MockFaultOptions } from './mock-faults.js';
import { drip, MAX_BODY_BYTES, readBody, send, wait } from './mock-http.js';
import { parseLoggedBody, redactHeaders, RequestLog, type MockRequestLogEntry } from './mock-log.js';
import { checkMilliseconds, MockLicenzyConfigError, resolveMockOptions, type MockLicenzyOptions, type MockMode } from './mock-options.js';
import { handleControl, isControlPath, type MockActiveFault, type MockSubject } from './mock-control.js';
import { decisionOf, EventHub, type MockCallEvent } from './mock-events.js';
import { modeOfCall, planCall, summaryRow, type CallPlan, type IncomingCall, type Reply, type RouteContext } from './mock-routes.js';
import { MockState, type MockEntitlement, type MockEntitlementInput } from './mock-state.js';
import { WebhookSender, type MockWebhookDelivery, type MockWebhookType } from './mock-webhooks.js';

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
  /**
   * A full refund as Licenzy documents it: time passes expire now, usage packs drop to 0 units, subscriptions
   * become `past_due`. Returns copies of the subject's entitlements afterwards.
   */
  refund(subjectRef: string, options?: MockModeOption): MockEntitlement[];
  /** A payment dispute: every entitlement of the subject becomes `past_due`, so access ends. Returns copies. */
  dispute(subjectRef: string, options?: MockModeOption): MockEntitlement[];
  /** Every subject with entitlements, test mode first, each with its current access. */
  subjects(): MockSubject[];
  /** Scripted faults that still have uses left, oldest first. */
  activeFaults(): MockActiveFault[];
  /** Webhook delivery attempts, oldest first (secrets never included). */
  readonly webhookDeliveries: readonly MockWebhookDelivery[];
  /** Resolves once every webhook queued so far was delivered or given up on (retries included). */
  webhooksIdle(): Promise<void>;
  /** URL of the console page (`${url}/`). */
  readonly consoleUrl: string;
  /** The mock's clock (the `now` option, else `Date.now`), in epoch milliseconds. */
  now(): number;
  /** Copies of the subject's entitlements in that mode, e.g. to assert remaining usage. */
  entitlements(subjectRef: string, options?: MockModeOption): MockEntitlement[];
  /** Clears all state: entitlements, idempotency keys, faults, the log, violations and webhook deliveries. Latency is kept. */
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
  const hub = new EventHub();
  const webhooks = new WebhookSender(config.webhooks, {
    now: config.now,
    retryDelays: config.webhookRetryDelays,
    timeout: config.webhookTimeout,
    signal: closing.signal,
  });
  let latency = config.latency;
  let connections = 0;

  const context: RouteContext = {
    state,
    keys: config.keys,
    now: config.now,
    violation: (message) => log.violation(message),
    consumed: (mode, subjectRef, consumed, usageRemaining) =>
      notify('usage.consumed', mode, subjectRef, { consumed, usage_remaining: usageRemaining }),
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = config.now();
    const target = req.url ?? '/';
    const queryAt = target.indexOf('?');
    const path = queryAt === -1 ? target : target.slice(0, queryAt);
    // The control API and console are the mock's own, not Licenzy's: never logged, counted or faulted.
    if (isControlPath(path)) return handleControl(req, res, path, { target: api, hub, bindHost: config.host });
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
    let faultType: string | undefined = undefined;
    const reply = (status: number, body: unknown, headers?: Record<string, string>, contentType?: string) => {
      entry.status = status;
      send(res, status, body, headers, contentType);
      answered(entry, status, body, faultType);
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
    faultType = fault.type;
    await applyFault(fault, plan, req, res, entry, reply);
  }

  /** Tells the console about an answered call. */
  function answered(entry: MockRequestLogEntry, status: number, body: unknown, faultType: string | undefined): void {
    const request = entry.body !== null && typeof entry.body === 'object' ? (entry.body as Record<string, unknown>) : {};
    const pathSubject = /^\/v1\/(?:customer\/access|entitlements)\/([^/]+)$/.exec(entry.path)?.[1];
    let subjectRef = typeof request.subject_ref === 'string' ? request.subject_ref : null;
    if (subjectRef === null && pathSubject !== undefined) {
      try {
        subjectRef = decodeURIComponent(pathSubject);
      } catch {
        subjectRef = pathSubject;
      }
    }
    let answer: unknown = body;
    if (typeof body === 'string') {
      try {
        answer = JSON.parse(body) as unknown;
      } catch {
        answer = undefined;
      }
    }
    const event: MockCallEvent = {
      seq: hub.nextSeq(),
      at: new Date(entry.at).toISOString(),
      method: entry.method,
      path: entry.path,
      subject_ref: subjectRef,
      mode: entry.mode ?? null,
      status,
      decision: decisionOf(entry.path, status, answer, faultType),
      fault: faultType ?? null,
    };
    hub.publish('call', event);
  }

  /** A state change: the console refreshes, and configured receivers get a signed webhook. */
  function notify(type: MockWebhookType | undefined, mode: MockMode, subjectRef: string, extra: Record<string, unknown> = {}): void {
    hub.publish('state', { type: type ?? null, subject_ref: subjectRef, mode });
    if (type === undefined) return;
    const nowMs = config.now();
    const entitlements = state.entitlements(mode, subjectRef);
    webhooks.send(type, {
      subject_ref: subjectRef,
      mode,
      has_access: state.isAllowed(mode, subjectRef, nowMs),
      ...extra,
      entitlements: entitlements.map((entitlement) => ({ id: entitlement.id, ...summaryRow(entitlement, nowMs) })),
    });
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
        answered(entry, answer.status, undefined, 'drip');
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

  const hadKind = (mode: MockMode, subjectRef: string, kind: string) => state.entitlements(mode, subjectRef).some((e) => e.kind === kind);
  const api: MockLicenzy = {
    url,
    port,
    consoleUrl: `${url}/`,
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
    get webhookDeliveries() {
      return webhooks.deliveries;
    },
    grant: (subjectRef, entitlement = {}, options) => {
      const mode = modeOf(options);
      const granted = state.grant(mode, subjectRef, entitlement, config.now());
      notify('purchase.finalized', mode, subjectRef, { entitlement_id: granted.id, kind: granted.kind });
      return granted;
    },
    revoke: (subjectRef, options) => {
      const mode = modeOf(options);
      const had = state.entitlements(mode, subjectRef).length > 0;
      const subscription = hadKind(mode, subjectRef, 'subscription');
      state.revoke(mode, subjectRef);
      notify(had ? (subscription ? 'subscription.deleted' : 'entitlement.updated') : undefined, mode, subjectRef, { reason: 'revoked' });
    },
    refund: (subjectRef, options) => {
      const mode = modeOf(options);
      const after = state.refund(mode, subjectRef, config.now());
      notify(after.length > 0 ? 'entitlement.updated' : undefined, mode, subjectRef, { reason: 'refunded' });
      return after;
    },
    dispute: (subjectRef, options) => {
      const mode = modeOf(options);
      const after = state.dispute(mode, subjectRef);
      const type = after.length === 0 ? undefined : after.some((e) => e.kind === 'subscription') ? 'subscription.updated' : 'entitlement.updated';
      notify(type, mode, subjectRef, { reason: 'disputed' });
      return after;
    },
    entitlements: (subjectRef, options) => state.entitlements(modeOf(options), subjectRef),
    subjects: () => {
      const nowMs = config.now();
      return (['test', 'live'] as const).flatMap((mode) =>
        state.subjectRefs(mode).map((subjectRef) => ({
          subjectRef,
          mode,
          hasAccess: state.isAllowed(mode, subjectRef, nowMs),
          entitlements: state.entitlements(mode, subjectRef),
        })),
      );
    },
    reset: () => {
      state.reset();
      faults.clear();
      log.clear();
      webhooks.clear();
      hub.publish('state', { type: null, reset: true });
    },
    fault: (fault, options) => {
      const handle = faults.add(fault, options);
      hub.publish('state', { type: null, faults: faults.size });
      return handle;
    },
    clearFaults: () => {
      faults.clear();
      hub.publish('state', { type: null, faults: 0 });
    },
    activeFaults: () => faults.list(),
    setLatency: (ms) => {
      latency = checkMilliseconds('latency', ms);
    },
    count: (pathOrEndpoint) => log.count(pathOrEndpoint),
    counts: () => log.counts(),
    clearLog: () => log.clear(),
    webhooksIdle: () => webhooks.idle(),
    now: () => config.now(),
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        closing.abort();
        hub.closeAll();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closed;
    },
  };
  return api;
}
