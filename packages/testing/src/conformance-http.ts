// What every conformance case uses: requests to the target as a subject, problem+json checks, faults that always lift.
import { ConformanceError, type ConformanceTarget } from './conformance-target.js';
import { fetchJson, type JsonReply } from './helpers.js';

/** The access-check endpoint, as the mock counts it. */
export const CHECK = 'POST /v1/access/check';
/** The usage endpoint, as the mock counts it. */
export const CONSUME = 'POST /v1/usage/consume';

let sequence = 0;
/** A subject no other case (or earlier run) has used, so cached decisions never leak between cases. */
export const uniqueSubject = (id: string) => `conf_${id}_${process.pid}_${++sequence}`;

/** Fails the case with `message` unless `condition` holds. */
export function expect(condition: unknown, message: string): asserts condition {
  if (!condition) throw new ConformanceError(message);
}

/** One answer of the target. */
export type Reply = JsonReply;

/** GETs `path` of the target as `subjectRef` (anonymously without one), with extra headers. */
export function get(target: ConformanceTarget, path: string, subjectRef?: string, extraHeaders: Record<string, string> = {}): Promise<Reply> {
  const auth = subjectRef === undefined ? {} : (target.authenticate?.(subjectRef) ?? { 'x-demo-user': subjectRef });
  return fetchJson(target.url + path, { headers: { ...auth, ...extraHeaders } });
}

/** POSTs to `path` of the target as `subjectRef`, with extra headers (e.g. `idempotency-key`). */
export function post(target: ConformanceTarget, path: string, subjectRef: string, extraHeaders: Record<string, string> = {}): Promise<Reply> {
  const auth = target.authenticate?.(subjectRef) ?? { 'x-demo-user': subjectRef };
  return fetchJson(target.url + path, { method: 'POST', headers: { ...auth, ...extraHeaders } });
}

/** The answer is an RFC 9457 problem with exactly `type`, `title`, `status` and `code`. */
export function expectProblem(reply: Reply, status: number, code: string): void {
  expect(reply.status === status, `expected HTTP ${status} ${code}, got ${reply.status}: ${reply.text.slice(0, 200)}`);
  expect(reply.headers.get('content-type')?.startsWith('application/problem+json'), `expected application/problem+json, got ${reply.headers.get('content-type')}`);
  expect(reply.json?.code === code, `expected code ${code}, got ${String(reply.json?.code)}`);
  expect(reply.json?.status === status, `expected body status ${status}, got ${String(reply.json?.status)}`);
  expect(typeof reply.json?.type === 'string' && typeof reply.json?.title === 'string', 'problem body needs type and title');
  const keys = Object.keys(reply.json ?? {}).sort().join(',');
  expect(keys === 'code,status,title,type', `problem body must hold only type, title, status, code; got ${keys}`);
}

/** Runs `fn` while every access check answers 503, and removes that fault afterwards whatever happens. */
export async function whileLicenzyFails(target: ConformanceTarget, fn: () => Promise<void>): Promise<void> {
  const fault = target.mock.fault({ type: 'status', status: 503 }, { path: '/v1/access/check' });
  try {
    await fn();
  } finally {
    fault.remove();
  }
}

/** Polls `read` every 5 ms until it returns `expected`, failing with `message` after `timeoutMs` (default 5000). */
export async function pollUntil<T>(read: () => T, expected: (value: T) => boolean, message: string, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!expected(read())) {
    expect(performance.now() < deadline, `${message} (still ${String(read())} after ${timeoutMs} ms)`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Whether `actual` holds every member of `expected`, recursively (like `toMatchObject`); other values compare with `===`. */
export function matches(actual: unknown, expected: unknown): boolean {
  if (expected === null || typeof expected !== 'object') return actual === expected;
  if (actual === null || typeof actual !== 'object') return false;
  return Object.entries(expected).every(([key, value]) => matches((actual as Record<string, unknown>)[key], value));
}

/** `actual` as JSON, cut short, for a failure message. */
export function shown(actual: unknown): string {
  return (JSON.stringify(actual) ?? String(actual)).slice(0, 300);
}
