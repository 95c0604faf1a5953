// The emulator's control API under /_mock/ and its console page at /: strict JSON in and out, same-origin only.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { CONSOLE_CSP, CONSOLE_CSS, CONSOLE_HTML, CONSOLE_JS } from './console-page.js';
import type { EventHub } from './mock-events.js';
import type { MockFault, MockFaultHandle, MockFaultOptions } from './mock-faults.js';
import { readBody, send } from './mock-http.js';
import type { MockRequestLogEntry } from './mock-log.js';
import type { LicenzyMode } from '@licenzy-gate/core';
import { MockLicenzyConfigError } from './mock-config-error.js';
import { availabilityOf, isRepresentableDate, isUsable, MAX_DATE_MS, type EntitlementKind, type MockEntitlement, type MockEntitlementInput } from './mock-state.js';
import type { MockWebhookDelivery } from './mock-webhooks.js';

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
  subjects(): MockSubject[];
  fault(fault: MockFault, options: MockFaultOptions): MockFaultHandle;
  clearFaults(): void;
  activeFaults(): MockActiveFault[];
  readonly requests: readonly MockRequestLogEntry[];
  readonly violations: readonly string[];
  readonly webhookDeliveries: readonly MockWebhookDelivery[];
  reset(): void;
}

/**
 * Largest control request body, in bytes (16 KiB); larger ones get 413.
 * @example
 * readBody(req, MAX_CONTROL_BODY_BYTES);
 */
export const MAX_CONTROL_BODY_BYTES = 16 * 1024;
/**
 * Longest subject the control API accepts, in characters (longer ones get 400).
 * @example
 * subjectRef.length <= MAX_CONTROL_SUBJECT_LENGTH;
 */
export const MAX_CONTROL_SUBJECT_LENGTH = 256;
/**
 * Longest `delay` fault the control API accepts, in ms (10 minutes).
 * @example
 * fetch(`${mock.url}/_mock/faults`, { method: 'POST', headers, body: JSON.stringify({ delay: MAX_CONTROL_DELAY_MS }) });
 */
export const MAX_CONTROL_DELAY_MS = 600_000;

const KINDS: readonly EntitlementKind[] = ['subscription', 'time_pass', 'usage_pack'];
const SUBJECT_ACTIONS = ['grant', 'revoke', 'refund', 'dispute'] as const;

class BadRequest extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

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
    const answer = route(method, path, body, env.target);
    send(res, answer.status, answer.body, { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
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

function route(method: string, path: string, body: Record<string, unknown> | undefined, target: ControlTarget): { status: number; body: unknown } {
  const now = target.now();
  switch (path) {
    case '/_mock/subjects':
      allow(method, ['GET']);
      return { status: 200, body: { subjects: target.subjects().map((subject) => subjectJson(subject, now)) } };
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

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  // A form or a no-cors fetch from another site can only send text/plain, form or multipart bodies.
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new BadRequest(415, 'unsupported_media_type', 'send Content-Type: application/json');
  }
  const text = await readBody(req, MAX_CONTROL_BODY_BYTES);
  if (text === 'too_large') throw new BadRequest(413, 'payload_too_large', `bodies are limited to ${MAX_CONTROL_BODY_BYTES} bytes`);
  if (text === 'aborted' || text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BadRequest(400, 'invalid_json', 'the body is not valid JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new BadRequest(400, 'invalid_body', 'expected a JSON object');
  return value as Record<string, unknown>;
}

function only(body: Record<string, unknown>, fields: readonly string[]): void {
  const unknown = Object.keys(body).filter((field) => !fields.includes(field));
  if (unknown.length > 0) {
    const expected = fields.length ? `expected only ${fields.join(', ')}` : 'expected an empty object';
    throw new BadRequest(400, 'invalid_body', `unknown field ${JSON.stringify(unknown[0])} (${expected})`);
  }
}

function invalid(field: string, message: string): never {
  throw new BadRequest(400, 'invalid_body', `${field}: ${message}`);
}

function parseSubject(segment: string): string {
  let subjectRef: string;
  try {
    subjectRef = decodeURIComponent(segment);
  } catch {
    invalid('subject', 'not valid percent-encoding');
  }
  if (subjectRef.trim() === '' || subjectRef.length > MAX_CONTROL_SUBJECT_LENGTH || /[\u0000-\u001f\u007f-\u009f]/.test(subjectRef)) {
    invalid('subject', `expected 1 to ${MAX_CONTROL_SUBJECT_LENGTH} characters without control characters`);
  }
  return subjectRef;
}

function parseMode(value: unknown): LicenzyMode {
  if (value === undefined) return 'test';
  if (value !== 'test' && value !== 'live') invalid('mode', 'expected "test" or "live"');
  return value;
}

function parseGrant(body: Record<string, unknown>): MockEntitlementInput {
  const { kind, expiresAt, units } = body;
  const input: MockEntitlementInput = {};
  if (kind !== undefined) {
    if (!KINDS.includes(kind as EntitlementKind)) invalid('kind', `expected one of ${KINDS.join(', ')}`);
    input.kind = kind as EntitlementKind;
  }
  if (expiresAt !== undefined) {
    const ms = typeof expiresAt === 'string' ? Date.parse(expiresAt) : typeof expiresAt === 'number' ? expiresAt : NaN;
    // Out of Date's range (1e300) it could be stored but never listed: toISOString() would throw on every listing.
    if (!isRepresentableDate(ms)) invalid('expiresAt', `expected an ISO date string or epoch milliseconds within ±${MAX_DATE_MS}`);
    input.expiresAt = ms;
  }
  if (units !== undefined) {
    if (!Number.isSafeInteger(units) || (units as number) < 0) invalid('units', 'expected an integer >= 0');
    input.usageRemaining = units as number;
  }
  if (input.kind === 'usage_pack' && input.usageRemaining === undefined) invalid('units', 'is required for a usage_pack');
  return input;
}

function parseFault(body: Record<string, unknown>): { fault: MockFault; options: MockFaultOptions } {
  only(body, ['status', 'delay', 'hang', 'reset', 'malformed', 'times', 'path']);
  const kinds = (['status', 'delay', 'hang', 'reset', 'malformed'] as const).filter((name) => body[name] !== undefined);
  if (kinds.length !== 1) invalid('fault', 'give exactly one of status, delay, hang, reset, malformed');
  let fault: MockFault;
  switch (kinds[0]) {
    case 'status':
      if (!Number.isInteger(body.status) || (body.status as number) < 200 || (body.status as number) > 599) invalid('status', 'expected an integer from 200 to 599');
      fault = { type: 'status', status: body.status as number };
      break;
    case 'delay':
      if (typeof body.delay !== 'number' || !Number.isFinite(body.delay) || body.delay < 0 || body.delay > MAX_CONTROL_DELAY_MS) {
        invalid('delay', `expected milliseconds from 0 to ${MAX_CONTROL_DELAY_MS}`);
      }
      fault = { type: 'delay', ms: body.delay };
      break;
    case 'malformed':
      if (body.malformed !== true) invalid('malformed', 'expected true');
      // Truncated JSON: what a proxy cutting a response short would hand the client.
      fault = { type: 'raw', body: '{"subject_ref":' };
      break;
    default: {
      const flag = kinds[0] === 'hang' ? body.hang : body.reset;
      if (flag !== true) invalid(kinds[0] ?? 'fault', 'expected true');
      fault = { type: kinds[0] === 'hang' ? 'hang' : 'reset' };
    }
  }
  const options: MockFaultOptions = {};
  if (body.times !== undefined) {
    if (!Number.isSafeInteger(body.times) || (body.times as number) < 1) invalid('times', 'expected a positive integer (omit it for "until cleared")');
    options.times = body.times as number;
  }
  if (body.path !== undefined) {
    if (typeof body.path !== 'string' || !body.path.startsWith('/v1/') || body.path.length > 1024) invalid('path', 'expected a path starting with /v1/ (may end in *)');
    options.path = body.path;
  }
  return { fault, options };
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
