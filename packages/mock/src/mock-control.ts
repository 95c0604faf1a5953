// The emulator's control API under /_mock/ and its console page at /: strict JSON in and out, same-origin only.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { CONSOLE_CSP, CONSOLE_CSS, CONSOLE_HTML, CONSOLE_JS } from './console-page.js';
import type { EventHub } from './mock-events.js';
import type { MockFault, MockFaultHandle, MockFaultOptions } from './mock-faults.js';
import { send } from './mock-http.js';
import type { MockRequestLogEntry } from './mock-log.js';
import type { LicenzyMode } from '@licenzy-gate/core';
import { MockLicenzyConfigError } from './mock-config-error.js';
import { BadRequest, invalid, only, parseFault, parseGrant, parseMode, parseSubject, readJson } from './mock-control-input.js';
import { availabilityOf, isUsable, type MockEntitlement, type MockEntitlementInput } from './mock-state.js';
import type { MockWebhookDelivery } from './mock-webhooks.js';

// The limits live with the parsing; they stay importable from here, where they were first exported.
export { MAX_CONTROL_BODY_BYTES, MAX_CONTROL_DELAY_MS, MAX_CONTROL_SUBJECT_LENGTH } from './mock-control-input.js';

/**
 * One subject with entitlements, as `mock.subjects()` and `GET /_mock/subjects` list it.
 * @example
 * mock.subjects(); // [{ subjectRef: 'user_1', mode: 'test', hasAccess: true, entitlements: [...] }]
 */
export interface MockSubject {
  subjectRef: string;
  mode: LicenzyMode;
  /** Whether an access check with a key of that mode would answer `allowed: true` now. */
  hasAccess: boolean;
  entitlements: MockEntitlement[];
}

/**
 * A scripted fault that still has uses left, as `mock.activeFaults()` and `GET /_mock/faults` list it.
 * @example
 * mock.activeFaults(); // [{ fault: { type: 'status', status: 503 }, path: undefined, remaining: Infinity }]
 */
export interface MockActiveFault {
  fault: MockFault;
  path: string | undefined;
  remaining: number;
}

/**
 * What the control API may touch: the mock's own public operations, nothing else (a `MockLicenzy` is one).
 * @example
 * await handleControl(req, res, '/_mock/subjects', { target: mock, hub, bindHost: '127.0.0.1' });
 */
export interface ControlTarget {
  now(): number;
  grant(subjectRef: string, entitlement: MockEntitlementInput, options: { mode: LicenzyMode }): MockEntitlement;
  revoke(subjectRef: string, options: { mode: LicenzyMode }): void;
  refund(subjectRef: string, options: { mode: LicenzyMode }): MockEntitlement[];
  dispute(subjectRef: string, options: { mode: LicenzyMode }): MockEntitlement[];
  topUp(subjectRef: string, units: number, options: { mode: LicenzyMode }): { entitlement: MockEntitlement; created: boolean };
  subjects(): MockSubject[];
  webhooksIdle(): Promise<void>;
  fault(fault: MockFault, options: MockFaultOptions): MockFaultHandle;
  clearFaults(): void;
  activeFaults(): MockActiveFault[];
  readonly requests: readonly MockRequestLogEntry[];
  readonly violations: readonly string[];
  readonly webhookDeliveries: readonly MockWebhookDelivery[];
  reset(): void;
}

/**
 * Longest a subject action with `?wait=webhooks` waits for the webhooks it caused, in ms (5 s); it answers then anyway.
 * @example
 * fetch(`${mock.url}/_mock/subjects/u/revoke?wait=webhooks`, { method: 'POST', headers, body: '{}' });
 */
export const MAX_WEBHOOK_WAIT_MS = 5000;

const SUBJECT_ACTIONS = ['grant', 'revoke', 'refund', 'dispute', 'topup'] as const;

/**
 * True for the paths the control API owns: `/`, `/favicon.ico` and everything under `/_mock`.
 * @example
 * isControlPath('/_mock/subjects'); // true
 */
export function isControlPath(path: string): boolean {
  return path === '/' || path === '/favicon.ico' || path === '/_mock' || path.startsWith('/_mock/');
}

/**
 * Answers one control request. `bindHost` is the interface the mock listens on: the `Host` header must be an IP
 * address, `localhost` or `bindHost`, so a page on a DNS name rebound to the mock cannot reach the control API.
 * @example
 * if (isControlPath(path)) return handleControl(req, res, path, { target, hub, bindHost: '127.0.0.1' });
 */
export async function handleControl(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  env: { target: ControlTarget; hub: EventHub; bindHost: string },
): Promise<void> {
  const method = req.method ?? 'GET';
  try {
    checkOrigin(req, env.bindHost);
    if (path === '/favicon.ico') return send(res, 204, undefined);
    if (path === '/') return page(res, method, CONSOLE_HTML, 'text/html; charset=utf-8');
    if (path === '/_mock/console.js') return page(res, method, CONSOLE_JS, 'text/javascript; charset=utf-8');
    if (path === '/_mock/console.css') return page(res, method, CONSOLE_CSS, 'text/css; charset=utf-8');
    if (path === '/_mock/events') {
      allow(method, ['GET']);
      return env.hub.subscribe(req, res);
    }
    const body = method === 'POST' ? await readJson(req) : undefined;
    const answer = route(method, path, body, env);
    const headers: Record<string, string> = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };
    // A script's next request should meet an app that already heard: answer once the webhooks were delivered.
    if (method === 'POST' && path.startsWith('/_mock/subjects/') && waitsForWebhooks(req.url)) {
      headers['mock-webhooks'] = (await webhooksSettled(env.target)) ? 'delivered' : 'pending';
    }
    send(res, answer.status, answer.body, headers);
  } catch (err) {
    if (err instanceof BadRequest) {
      send(res, err.status, { error: err.code, message: err.message }, err.status === 405 ? { allow: err.message.replace(/^use /, '') } : {});
      return;
    }
    if (err instanceof MockLicenzyConfigError) {
      send(res, 400, { error: 'invalid_body', message: `${err.option}: ${err.reason}` });
      return;
    }
    throw err;
  }
}

function page(res: ServerResponse, method: string, text: string, contentType: string): void {
  allow(method, ['GET', 'HEAD']);
  send(res, 200, text, {
    'content-security-policy': CONSOLE_CSP,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  }, contentType);
}

function waitsForWebhooks(url: string | undefined): boolean {
  const query = url?.split('?')[1];
  return query !== undefined && new URLSearchParams(query).get('wait') === 'webhooks';
}

/** True once every queued webhook was delivered or given up on, false after {@link MAX_WEBHOOK_WAIT_MS}. */
async function webhooksSettled(target: ControlTarget): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(resolve, MAX_WEBHOOK_WAIT_MS, false)));
  try {
    return await Promise.race([target.webhooksIdle().then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Subjects with entitlements, then those only seen in calls (most recent first): the console lists `user_free` too. */
function listSubjects(env: { target: ControlTarget; hub: EventHub }, now: number): Record<string, unknown>[] {
  const seen = new Map(env.hub.seenSubjects().map((subject) => [`${subject.mode}\u0000${subject.subjectRef}`, subject.lastSeenAt]));
  const lastSeen = (mode: LicenzyMode, subjectRef: string) => {
    const at = seen.get(`${mode}\u0000${subjectRef}`);
    seen.delete(`${mode}\u0000${subjectRef}`);
    return at === undefined ? null : new Date(at).toISOString();
  };
  const withEntitlements = env.target.subjects().map((subject) => ({ ...subjectJson(subject, now), lastSeenAt: lastSeen(subject.mode, subject.subjectRef) }));
  const seenOnly = env.hub
    .seenSubjects()
    .reverse()
    .filter((subject) => seen.has(`${subject.mode}\u0000${subject.subjectRef}`))
    .map(({ subjectRef, mode, lastSeenAt }) => ({ subjectRef, mode, hasAccess: false, entitlements: [], lastSeenAt: new Date(lastSeenAt).toISOString() }));
  return [...withEntitlements, ...seenOnly];
}

function route(
  method: string,
  path: string,
  body: Record<string, unknown> | undefined,
  env: { target: ControlTarget; hub: EventHub },
): { status: number; body: unknown } {
  const { target } = env;
  const now = target.now();
  switch (path) {
    case '/_mock/subjects':
      allow(method, ['GET']);
      return { status: 200, body: { subjects: listSubjects(env, now) } };
    case '/_mock/faults':
      allow(method, ['GET', 'POST', 'DELETE']);
      if (method === 'POST') {
        const { fault, options } = parseFault(body ?? {});
        target.fault(fault, options);
        return { status: 201, body: { faults: target.activeFaults().map(faultJson) } };
      }
      if (method === 'DELETE') target.clearFaults();
      return { status: 200, body: { faults: target.activeFaults().map(faultJson) } };
    case '/_mock/requests':
      allow(method, ['GET']);
      return { status: 200, body: { requests: target.requests, violations: target.violations } };
    case '/_mock/webhooks':
      allow(method, ['GET']);
      return { status: 200, body: { deliveries: target.webhookDeliveries } };
    case '/_mock/reset':
      allow(method, ['POST']);
      only(body ?? {}, []);
      target.reset();
      return { status: 200, body: { ok: true } };
  }
  const match = /^\/_mock\/subjects\/([^/]+)\/([a-z]+)$/.exec(path);
  const action = SUBJECT_ACTIONS.find((name) => name === match?.[2]);
  if (!match?.[1] || action === undefined) throw new BadRequest(404, 'not_found', `no control route ${path}`);
  allow(method, ['POST']);
  const subjectRef = parseSubject(match[1]);
  const input = body ?? {};
  if (action === 'grant') {
    only(input, ['kind', 'expiresAt', 'units', 'mode']);
    const mode = parseMode(input.mode);
    const entitlement = target.grant(subjectRef, parseGrant(input), { mode });
    return { status: 201, body: { subjectRef, mode, entitlement: entitlementJson(entitlement, now) } };
  }
  if (action === 'topup') {
    only(input, ['units', 'mode']);
    const mode = parseMode(input.mode);
    if (!Number.isSafeInteger(input.units) || (input.units as number) < 1) invalid('units', 'expected a positive integer');
    const { entitlement, created } = target.topUp(subjectRef, input.units as number, { mode });
    return { status: created ? 201 : 200, body: { subjectRef, mode, created, entitlement: entitlementJson(entitlement, now) } };
  }
  only(input, ['mode']);
  const mode = parseMode(input.mode);
  if (action === 'revoke') target.revoke(subjectRef, { mode });
  else if (action === 'refund') target.refund(subjectRef, { mode });
  else target.dispute(subjectRef, { mode });
  const after = target.subjects().find((subject) => subject.subjectRef === subjectRef && subject.mode === mode);
  return { status: 200, body: subjectJson(after ?? { subjectRef, mode, hasAccess: false, entitlements: [] }, now) };
}

function allow(method: string, methods: readonly string[]): void {
  if (!methods.includes(method)) throw new BadRequest(405, 'method_not_allowed', `use ${methods.join(', ')}`);
}

/**
 * Refuses a request another web origin could have made: a `Host` that is a DNS name other than `localhost` or
 * the bound one (DNS rebinding needs a name; IP literals are fine, also for `--host 0.0.0.0`), a foreign `Origin`,
 * or a browser's `Sec-Fetch-Site: cross-site`. No CORS header is ever sent, so foreign pages cannot read answers.
 */
function checkOrigin(req: IncomingMessage, bindHost: string): void {
  const host = (req.headers.host ?? '').toLowerCase();
  const hostname = (host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.split(':')[0]) ?? '';
  if (isIP(hostname) === 0 && hostname !== 'localhost' && hostname !== bindHost.toLowerCase()) {
    throw new BadRequest(403, 'forbidden_host', 'the control API answers only to the host it listens on');
  }
  const origin = req.headers.origin;
  if (origin !== undefined && origin.toLowerCase() !== `http://${host}`) {
    throw new BadRequest(403, 'forbidden_origin', 'the control API accepts requests only from its own page');
  }
  if (req.headers['sec-fetch-site'] === 'cross-site') {
    throw new BadRequest(403, 'forbidden_origin', 'the control API accepts requests only from its own page');
  }
}

function entitlementJson(entitlement: MockEntitlement, now: number): Record<string, unknown> {
  return {
    id: entitlement.id,
    kind: entitlement.kind,
    status: entitlement.status,
    available: isUsable(entitlement, now),
    availabilityReason: availabilityOf(entitlement, now),
    usageRemaining: entitlement.usageRemaining,
    expiresAt: entitlement.expiresAt === null ? null : new Date(entitlement.expiresAt).toISOString(),
    grantedAt: new Date(entitlement.grantedAt).toISOString(),
  };
}

function subjectJson(subject: MockSubject, now: number): Record<string, unknown> {
  return {
    subjectRef: subject.subjectRef,
    mode: subject.mode,
    hasAccess: subject.hasAccess,
    entitlements: subject.entitlements.map((entitlement) => entitlementJson(entitlement, now)),
  };
}

function faultJson({ fault, path, remaining }: MockActiveFault): Record<string, unknown> {
  // JSON has no Infinity; null means "until cleared".
  return { fault, path: path ?? null, remaining: remaining === Infinity ? null : remaining };
}
