// Input of the emulator's control API: the request body as strict JSON, its fields parsed, and the typed 400s.
import type { IncomingMessage } from 'node:http';
import type { LicenzyMode } from '@licenzy-gate/core';
import type { MockFault, MockFaultOptions } from './mock-faults.js';
import { readBody } from './mock-http.js';
import { isRepresentableDate, MAX_DATE_MS, type EntitlementKind, type MockEntitlementInput } from './mock-state.js';

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

/** A refusal the control API answers with its status and `{ error: code, message }`. */
export class BadRequest extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The body as a JSON object; only `application/json` (a foreign page's form cannot send it). */
export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
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

/** Refuses a body with a field not in `fields`. */
export function only(body: Record<string, unknown>, fields: readonly string[]): void {
  const unknown = Object.keys(body).filter((field) => !fields.includes(field));
  if (unknown.length > 0) {
    const expected = fields.length ? `expected only ${fields.join(', ')}` : 'expected an empty object';
    throw new BadRequest(400, 'invalid_body', `unknown field ${JSON.stringify(unknown[0])} (${expected})`);
  }
}

/** Throws the 400 naming `field`. */
export function invalid(field: string, message: string): never {
  throw new BadRequest(400, 'invalid_body', `${field}: ${message}`);
}

/** The percent-decoded subject of a control path, bounded and without control characters. */
export function parseSubject(segment: string): string {
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

/** `mode`, default `'test'`. */
export function parseMode(value: unknown): LicenzyMode {
  if (value === undefined) return 'test';
  if (value !== 'test' && value !== 'live') invalid('mode', 'expected "test" or "live"');
  return value;
}

/** A grant's body as the entitlement to store. */
export function parseGrant(body: Record<string, unknown>): MockEntitlementInput {
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

/** An outage switch's body as a scripted fault and its options. */
export function parseFault(body: Record<string, unknown>): { fault: MockFault; options: MockFaultOptions } {
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
