// The Licenzy emulator itself: a node:http server wiring state, faults, latency, the request log and webhooks together.
import { setMaxListeners } from 'node:events';
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { createMockApi, createNotifier } from './mock-api.js';
import { EventHub } from './mock-events.js';
import { FaultQueue } from './mock-faults.js';
import { send } from './mock-http.js';
import type { MockLicenzy } from './mock-licenzy-types.js';
import { RequestLog } from './mock-log.js';
import { checkMilliseconds, resolveMockOptions, type MockLicenzyOptions } from './mock-options.js';
import { createRequestHandler } from './mock-requests.js';
import type { RouteContext } from './mock-routes.js';
import { MockState } from './mock-state.js';
import { WebhookSender } from './mock-webhooks.js';

export type { MockLicenzy, MockModeOption } from './mock-licenzy-types.js';

/**
 * Starts a local Licenzy emulator on 127.0.0.1 (port 0 by default) that answers as the public contract documents.
 * Rejects with `MockLicenzyConfigError` (a `LicenzyConfigError`) on bad options — an unknown key names the closest
 * known one — or with the listen error (e.g. EADDRINUSE).
 * @example
 * const mock = await createMockLicenzy({ now: () => clock });
 * mock.grant('user_123', { kind: 'time_pass', expiresAt: clock + 60_000 });
 * mock.fault({ type: 'status', status: 503, headers: { 'retry-after': '1' } }, { times: 1 });
 */
export async function createMockLicenzy(options: MockLicenzyOptions = {}): Promise<MockLicenzy> {
  const config = resolveMockOptions(options);
  const state = new MockState();
  const faults = new FaultQueue();
  const log = new RequestLog(config.maxLoggedRequests, config.maxLoggedBytes);
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
  const notify = createNotifier({ config, state, hub, webhooks });
  let latency = config.latency;
  let connections = 0;
  // The server starts before the API object exists; no request can arrive before listen() resolves.
  const built: { api?: MockLicenzy } = {};

  const context: RouteContext = {
    state,
    keys: config.keys,
    now: config.now,
    violation: (message) => log.violation(message),
    consumed: (mode, subjectRef, consumed, usageRemaining) =>
      notify('usage.consumed', mode, subjectRef, { consumed, usage_remaining: usageRemaining }),
  };
  const handle = createRequestHandler({
    config,
    faults,
    log,
    hub,
    context,
    closing: closing.signal,
    latency: () => latency,
    control: () => built.api as MockLicenzy,
  });
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
  let closed: Promise<void> | undefined;
  const api = createMockApi({
    config, state, faults, log, hub, webhooks, notify, url, port,
    connections: () => connections,
    setLatency: (ms) => {
      latency = checkMilliseconds('latency', ms);
    },
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        closing.abort();
        hub.closeAll();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closed;
    },
  });
  built.api = api;
  return api;
}
