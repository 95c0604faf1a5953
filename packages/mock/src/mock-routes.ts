// The Licenzy endpoints the emulator answers: routing, auth, request validation, and the answers themselves.
import type { LicenzyMode } from '@licenzy-gate/core';
import { availabilityOf, isUsable, type MockEntitlement, type MockState } from './mock-state.js';

/**
 * A request as the router needs it: already read, nothing parsed yet.
 * @example
 * planCall({ method: 'GET', path: '/v1/entitlements/u', query: new URLSearchParams(), headers: {}, bodyText: '' }, context);
 */
export interface IncomingCall {
  method: string;
  /** Path without the query string, still percent-encoded. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  bodyText: string;
}

/**
 * What the router may touch.
 * @example
 * const context: RouteContext = { state, keys, now: Date.now, violation: (m) => log.violation(m) };
 */
export interface RouteContext {
  state: MockState;
  keys: ReadonlyMap<string, LicenzyMode>;
  now: () => number;
  /** Records a contract violation (a request a correct client would never send). */
  violation: (message: string) => void;
  /** Called once per consume that took units (not for idempotent replays), e.g. to send `usage.consumed`. */
  consumed?: (mode: LicenzyMode, subjectRef: string, consumed: number, usageRemaining: number) => void;
}

/**
 * An answer before it is written.
 * @example
 * const reply: Reply = { status: 200, body: { subject_ref: 'u', allowed: true } };
 */
export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/**
 * The outcome of routing and validating a call. Violations are recorded while planning, so they are caught even
 * when a fault answers instead; state only changes when `answer()` runs.
 * @example
 * const plan = planCall(call, context); const reply = plan.answer();
 */
export interface CallPlan {
  /** Mode of the accepted key, when one was sent. */
  mode: LicenzyMode | undefined;
  /** The subject asked about, when the request named one. */
  subjectRef: string | undefined;
  /** Computes the answer; for a valid call this is where state changes (consumed units, idempotency keys). */
  answer: () => Reply;
}

type Handler = (request: ValidRequest, context: RouteContext) => Reply;

interface ValidRequest {
  mode: LicenzyMode;
  subjectRef: string;
  body: Record<string, unknown>;
  idempotencyKey: string;
}

interface Route {
  method: 'GET' | 'POST';
  /** Exact path, or a prefix ending in `/` followed by one `:subject_ref` segment. */
  path: string;
  withSubjectSegment: boolean;
  /** Body fields the contract documents; anything else is a violation. */
  fields: readonly string[];
  needsIdempotencyKey: boolean;
  handle: Handler;
}

const ROUTES: readonly Route[] = [
  { method: 'POST', path: '/v1/access/check', withSubjectSegment: false, fields: ['subject_ref'], needsIdempotencyKey: false, handle: accessCheck },
  { method: 'GET', path: '/v1/customer/access/', withSubjectSegment: true, fields: [], needsIdempotencyKey: false, handle: customerAccess },
  { method: 'GET', path: '/v1/entitlements/', withSubjectSegment: true, fields: [], needsIdempotencyKey: false, handle: entitlementRows },
  { method: 'POST', path: '/v1/usage/consume', withSubjectSegment: false, fields: ['subject_ref', 'units'], needsIdempotencyKey: true, handle: consume },
  { method: 'POST', path: '/v1/checkout/session', withSubjectSegment: false, fields: ['subject_ref', 'product_code'], needsIdempotencyKey: true, handle: checkoutSession },
];

const error = (status: number, code: string, headers?: Record<string, string>): Reply => ({ status, body: { error: code }, ...(headers ? { headers } : {}) });

/**
 * Routes and validates a call. Checks run in this order: path (404), method (405), bearer key (401), then
 * Content-Type, Idempotency-Key and body (400, answered with the first problem found, every problem recorded).
 * @example
 * planCall(call, context).answer().status; // 200
 */
export function planCall(call: IncomingCall, context: RouteContext): CallPlan {
  const where = `${call.method} ${call.path}`;
  const reject = (reply: Reply, mode?: LicenzyMode, subjectRef?: string): CallPlan => ({ mode, subjectRef, answer: () => reply });
  const report = (message: string) => context.violation(`${where}: ${message}`);

  const candidates = ROUTES.filter((route) => matchPath(route, call.path));
  if (candidates.length === 0) {
    report('no such endpoint in the Licenzy contract');
    return reject(error(404, 'not_found'));
  }
  const route = candidates.find((candidate) => candidate.method === call.method);
  if (!route) {
    report(`method not allowed (expected ${candidates.map((c) => c.method).join(', ')})`);
    return reject(error(405, 'method_not_allowed', { allow: candidates.map((c) => c.method).join(', ') }));
  }

  const bearer = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(headerOf(call, 'authorization') ?? '')?.[1];
  if (bearer === undefined) {
    report('no "Authorization: Bearer <key>" header');
    return reject(error(401, 'missing_bearer_token'));
  }
  const mode = context.keys.get(bearer);
  // An unknown key is a configuration problem of the caller, not a malformed request, so it is no violation.
  if (mode === undefined) return reject(error(401, 'invalid_api_key'));

  const problems: string[] = [];
  const problem = (code: string, message: string) => {
    report(message);
    problems.push(code);
  };
  if (call.query.has('mode')) problem('invalid_request', 'sent "mode" in the query (the key decides the mode)');

  let subjectRef: string | undefined;
  let body: Record<string, unknown> = {};
  if (route.withSubjectSegment) {
    subjectRef = decodeSegment(call.path.slice(route.path.length));
    if (subjectRef === undefined || subjectRef === '') problem('invalid_request', 'subject_ref segment is not valid percent-encoding');
  } else {
    const contentType = headerOf(call, 'content-type');
    if (!/^application\/json\s*(;|$)/i.test(contentType ?? '')) {
      problem('invalid_request', `POST without "Content-Type: application/json" (got ${JSON.stringify(contentType ?? null)})`);
    }
  }
  const idempotencyKey = (headerOf(call, 'idempotency-key') ?? '').trim();
  if (route.needsIdempotencyKey && idempotencyKey === '') problem('missing_idempotency_key', 'no Idempotency-Key header');
  if (route.method === 'POST') {
    const parsed = parseObject(call.bodyText);
    if (parsed === undefined) problem('invalid_request', 'body is not a JSON object');
    else {
      body = parsed;
      subjectRef = validateBody(route, body, (message) => problem('invalid_request', message));
    }
  }

  const firstProblem = problems[0];
  if (firstProblem !== undefined) return reject(error(400, firstProblem), mode, subjectRef);
  const request: ValidRequest = { mode, subjectRef: subjectRef ?? '', body, idempotencyKey };
  return { mode, subjectRef, answer: () => route.handle(request, { ...context, violation: report }) };
}

/**
 * Mode of the accepted key in a call's Authorization header, for logging; `undefined` when none.
 * @example
 * modeOfCall(call, keys); // 'test'
 */
export function modeOfCall(call: IncomingCall, keys: ReadonlyMap<string, LicenzyMode>): LicenzyMode | undefined {
  const bearer = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(headerOf(call, 'authorization') ?? '')?.[1];
  return bearer === undefined ? undefined : keys.get(bearer);
}

function matchPath(route: Route, path: string): boolean {
  if (!route.withSubjectSegment) return path === route.path;
  const rest = path.slice(route.path.length);
  return path.startsWith(route.path) && rest !== '' && !rest.includes('/');
}

function headerOf(call: IncomingCall, name: string): string | undefined {
  const value = call.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function validateBody(route: Route, body: Record<string, unknown>, problem: (message: string) => void): string | undefined {
  for (const field of Object.keys(body)) {
    if (route.fields.includes(field)) continue;
    if (field === 'mode') problem('sent "mode" in the body (the key decides the mode)');
    else if (field === 'meter') problem('sent "meter" (usage/consume takes only subject_ref and units)');
    else if (field === 'product_code') problem('sent "product_code" (access/check takes only subject_ref)');
    else problem(`unexpected field ${JSON.stringify(field)} (expected only ${route.fields.join(', ')})`);
  }
  const subjectRef = body.subject_ref;
  if (typeof subjectRef !== 'string' || subjectRef === '') problem('subject_ref must be a non-empty string');
  if (route.fields.includes('units') && (!Number.isSafeInteger(body.units) || (body.units as number) < 1)) {
    problem('units must be a positive integer');
  }
  if (route.fields.includes('product_code') && (typeof body.product_code !== 'string' || body.product_code === '')) {
    problem('product_code must be a non-empty string');
  }
  return typeof subjectRef === 'string' ? subjectRef : undefined;
}

function accessCheck({ mode, subjectRef }: ValidRequest, { state, now }: RouteContext): Reply {
  return { status: 200, body: { subject_ref: subjectRef, allowed: state.isAllowed(mode, subjectRef, now()) } };
}

/**
 * The documented entitlement row; extra fields come first so they can never contradict the decision.
 * @example
 * summaryRow(entitlement, Date.now()); // { kind: 'subscription', status: 'active', available: true, … }
 */
export function summaryRow(entitlement: MockEntitlement, nowMs: number): Record<string, unknown> {
  return {
    ...entitlement.extra,
    kind: entitlement.kind,
    status: entitlement.status,
    available: isUsable(entitlement, nowMs),
    usage_remaining: entitlement.usageRemaining,
    availability_reason: availabilityOf(entitlement, nowMs),
    expires_at: entitlement.expiresAt === null ? null : new Date(entitlement.expiresAt).toISOString(),
  };
}

function customerAccess({ mode, subjectRef }: ValidRequest, { state, now }: RouteContext): Reply {
  const nowMs = now();
  const entitlements = state.entitlements(mode, subjectRef);
  const hasAccess = entitlements.some((entitlement) => isUsable(entitlement, nowMs));
  // Without access, a non-active status (e.g. past_due after a dispute) says more than a bare "inactive".
  const status = hasAccess ? 'active' : (entitlements.find((e) => e.status !== 'active')?.status ?? 'inactive');
  return {
    status: 200,
    body: { subject_ref: subjectRef, has_access: hasAccess, status, entitlements: entitlements.map((e) => summaryRow(e, nowMs)) },
  };
}

function entitlementRows({ mode, subjectRef }: ValidRequest, { state, now }: RouteContext): Reply {
  const nowMs = now();
  const rows = state
    .entitlements(mode, subjectRef)
    .map((e) => ({ id: e.id, ...summaryRow(e, nowMs), granted_at: new Date(e.grantedAt).toISOString() }));
  return { status: 200, body: { subject_ref: subjectRef, entitlements: rows } };
}

function consume({ mode, subjectRef, body, idempotencyKey }: ValidRequest, context: RouteContext): Reply {
  const units = body.units as number;
  const reply = context.state.idempotent(
    mode,
    `consume:${idempotencyKey}`,
    JSON.stringify([subjectRef, units]),
    (): Reply => {
      const outcome = context.state.consume(mode, subjectRef, units, context.now());
      if (outcome.ok) context.consumed?.(mode, subjectRef, outcome.consumed, outcome.usageRemaining);
      return outcome.ok
        ? { status: 200, body: { ok: true, consumed: outcome.consumed, usage_remaining: outcome.usageRemaining } }
        : error(409, 'insufficient_usage');
    },
    (stored) => stored.status === 200,
  );
  return reply === 'conflict' ? conflict(context) : reply;
}

function checkoutSession({ mode, subjectRef, body, idempotencyKey }: ValidRequest, context: RouteContext): Reply {
  const reply = context.state.idempotent(
    mode,
    `checkout:${idempotencyKey}`,
    JSON.stringify([subjectRef, body.product_code]),
    (): Reply => {
      const attemptId = context.state.nextAttemptId(mode);
      // A reserved .invalid host: the URL is plainly fake and can never reach a real checkout.
      const checkoutUrl = `https://checkout.licenzy.invalid/${attemptId}`;
      return { status: 200, body: { attempt_id: attemptId, status: 'created', checkout_url: checkoutUrl, mode } };
    },
    () => true,
  );
  return reply === 'conflict' ? conflict(context) : reply;
}

function conflict(context: RouteContext): Reply {
  context.violation('Idempotency-Key reused with a different body');
  return error(409, 'idempotency_key_conflict');
}
