// Scripted faults of the Licenzy emulator: their shapes, validation, and the FIFO queue that hands them out.
import { MockLicenzyConfigError } from './mock-config-error.js';

/**
 * The special value that makes the `subject` and `allowed` faults drop the field instead of setting it.
 * @example
 * mock.fault({ type: 'allowed', value: OMIT_FIELD });
 */
export const OMIT_FIELD = '__omit__';

/**
 * A scripted misbehaviour. Every fault fires before authentication, so an outage looks like an outage.
 * @example
 * mock.fault({ type: 'status', status: 503, headers: { 'retry-after': '1' } }, { times: 2 });
 * mock.fault({ type: 'raw', body: '{"allowed":' });
 * mock.fault({ type: 'hang' }, { path: '/v1/access/check' });
 */
export type MockFault =
  /** Answer with this status; `body` is JSON-encoded (default `{"error":"<code for the status>"}`). */
  | { type: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  /** Wait `ms` milliseconds (real time, cut short by `close()`), then answer normally. */
  | { type: 'delay'; ms: number }
  /** Read the request and never answer, until the client gives up or `close()` runs. */
  | { type: 'hang' }
  /** Reset the TCP connection without answering (the client sees ECONNRESET). */
  | { type: 'reset' }
  /** Answer `body` verbatim. `status` default 200, `contentType` default `'application/json'`. */
  | { type: 'raw'; status?: number; body: string; contentType?: string }
  /**
   * Send headers at once, then the body `chunkBytes` bytes (default 1) every `intervalMs` milliseconds.
   * `body` defaults to the answer the mock would have given.
   */
  | { type: 'drip'; body?: string; chunkBytes?: number; intervalMs: number }
  /** A 200 JSON answer of exactly `bytes` bytes that starts like a grant: `{"subject_ref":…,"allowed":true,"pad":"aaa…"}`. */
  | { type: 'oversized'; bytes: number }
  /** The normal answer with `subject_ref` replaced (or dropped with {@link OMIT_FIELD}). Only 2xx JSON objects are touched. */
  | { type: 'subject'; subjectRef: string }
  /** The normal answer with `allowed` replaced (or dropped with {@link OMIT_FIELD}). Only 2xx JSON objects are touched. */
  | { type: 'allowed'; value: unknown }
  /** A redirect to `location`; `status` default 302. */
  | { type: 'redirect'; location: string; status?: number };

/**
 * Which requests a fault applies to, and how often.
 * @example
 * mock.fault({ type: 'reset' }, { times: 1, path: '/v1/access/check' });
 */
export interface MockFaultOptions {
  /** How many matching requests it applies to. Default `Infinity`. */
  times?: number;
  /** Exact request path (no query), or a prefix ending in `*` such as `'/v1/customer/access/*'`. Default: any path. */
  path?: string;
}

/**
 * Handle returned by `mock.fault()`.
 * @example
 * const outage = mock.fault({ type: 'status', status: 503 }); outage.remove();
 */
export interface MockFaultHandle {
  /** Withdraws the fault if it has uses left. */
  remove(): void;
  /** Uses left (`Infinity` for an unlimited fault, 0 once used up or removed). */
  readonly remaining: number;
}

interface QueuedFault {
  fault: MockFault;
  path: string | undefined;
  remaining: number;
}

const DEFAULT_ERROR_CODES: Record<number, string> = {
  400: 'invalid_request',
  401: 'invalid_api_key',
  403: 'plan_mode_not_allowed',
  404: 'not_found',
  409: 'conflict',
  429: 'rate_limited',
  500: 'internal_error',
  502: 'bad_gateway',
  503: 'service_unavailable',
  504: 'gateway_timeout',
};

/**
 * The `{"error": code}` body a `status` fault sends when it has no `body`.
 * @example
 * defaultFaultBody(503); // { error: 'service_unavailable' }
 */
export function defaultFaultBody(status: number): { error: string } {
  return { error: DEFAULT_ERROR_CODES[status] ?? 'mock_fault' };
}

/**
 * The body of an `oversized` fault: exactly `bytes` UTF-8 bytes, valid JSON whenever it is long enough to be.
 * @example
 * oversizedBody('user_1', 1_000_000).length; // 1000000
 */
export function oversizedBody(subjectRef: string, bytes: number): Buffer {
  const head = `{"subject_ref":${JSON.stringify(subjectRef)},"allowed":true,"pad":"`;
  const tail = '"}';
  const padding = bytes - Buffer.byteLength(head) - tail.length;
  if (padding < 0) return Buffer.from(head + tail).subarray(0, bytes);
  return Buffer.concat([Buffer.from(head), Buffer.alloc(padding, 'a'), Buffer.from(tail)]);
}

/**
 * Applies a `subject` or `allowed` fault to an answer body; other bodies and faults pass through unchanged.
 * @example
 * mutateAnswer({ type: 'allowed', value: 'true' }, { subject_ref: 'u', allowed: false }); // { subject_ref: 'u', allowed: 'true' }
 */
export function mutateAnswer(fault: MockFault, body: unknown): unknown {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  const field = fault.type === 'subject' ? 'subject_ref' : fault.type === 'allowed' ? 'allowed' : undefined;
  if (field === undefined) return body;
  const value = fault.type === 'subject' ? fault.subjectRef : fault.type === 'allowed' ? fault.value : undefined;
  const mutated: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  if (value === OMIT_FIELD) delete mutated[field];
  else mutated[field] = value;
  return mutated;
}

/**
 * Faults waiting to fire, handed out oldest first: each matching request takes one use of the oldest fault
 * that still has uses left and whose path matches.
 * @example
 * const queue = new FaultQueue(); queue.add({ type: 'reset' }, { times: 1 }); queue.take('/v1/access/check');
 */
export class FaultQueue {
  private queued: QueuedFault[] = [];

  /** Validates and enqueues a fault; throws {@link MockLicenzyConfigError} naming the bad field. */
  add(fault: MockFault, options: MockFaultOptions = {}): MockFaultHandle {
    validateFault(fault);
    const { times = Infinity, path } = options;
    if (times !== Infinity && (!Number.isInteger(times) || times < 1)) {
      throw new MockLicenzyConfigError('times', `expected a positive integer or Infinity, got ${String(times)}`);
    }
    if (path !== undefined && (typeof path !== 'string' || !path.startsWith('/'))) {
      throw new MockLicenzyConfigError('path', 'expected a path starting with "/"');
    }
    const entry: QueuedFault = { fault, path, remaining: times };
    this.queued.push(entry);
    return {
      remove: () => {
        entry.remaining = 0;
        this.queued = this.queued.filter((queued) => queued !== entry);
      },
      get remaining() {
        return entry.remaining;
      },
    };
  }

  /** Takes one use of the oldest matching fault, or returns `undefined` when none matches. */
  take(path: string): MockFault | undefined {
    const entry = this.queued.find((queued) => matchesPath(queued.path, path));
    if (!entry) return undefined;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.queued = this.queued.filter((queued) => queued !== entry);
    return entry.fault;
  }

  /** The faults that still have uses left, oldest first (copies). */
  list(): { fault: MockFault; path: string | undefined; remaining: number }[] {
    return this.queued.map(({ fault, path, remaining }) => ({ fault, path, remaining }));
  }

  /** Withdraws every fault. */
  clear(): void {
    for (const entry of this.queued) entry.remaining = 0;
    this.queued = [];
  }

  /** Number of faults that still have uses left. */
  get size(): number {
    return this.queued.length;
  }
}

function matchesPath(pattern: string | undefined, path: string): boolean {
  if (pattern === undefined) return true;
  return pattern.endsWith('*') ? path.startsWith(pattern.slice(0, -1)) : pattern === path;
}

function validateFault(fault: MockFault): void {
  if (fault === null || typeof fault !== 'object') throw new MockLicenzyConfigError('fault', 'expected an object');
  switch (fault.type) {
    case 'status':
      return checkStatus('fault.status', fault.status, 200, 599);
    case 'delay':
      return checkNonNegative('fault.ms', fault.ms);
    case 'hang':
    case 'reset':
      return;
    case 'raw':
      if (fault.status !== undefined) checkStatus('fault.status', fault.status, 200, 599);
      if (typeof fault.body !== 'string') throw new MockLicenzyConfigError('fault.body', 'expected a string');
      return;
    case 'drip':
      checkNonNegative('fault.intervalMs', fault.intervalMs);
      if (fault.chunkBytes !== undefined && (!Number.isInteger(fault.chunkBytes) || fault.chunkBytes < 1)) {
        throw new MockLicenzyConfigError('fault.chunkBytes', 'expected a positive integer');
      }
      if (fault.body !== undefined && typeof fault.body !== 'string') throw new MockLicenzyConfigError('fault.body', 'expected a string');
      return;
    case 'oversized':
      if (!Number.isSafeInteger(fault.bytes) || fault.bytes < 0) throw new MockLicenzyConfigError('fault.bytes', 'expected an integer >= 0');
      return;
    case 'subject':
      if (typeof fault.subjectRef !== 'string') throw new MockLicenzyConfigError('fault.subjectRef', 'expected a string');
      return;
    case 'allowed':
      return;
    case 'redirect':
      if (typeof fault.location !== 'string' || fault.location === '') throw new MockLicenzyConfigError('fault.location', 'expected a non-empty string');
      if (fault.status !== undefined) checkStatus('fault.status', fault.status, 300, 399);
      return;
    default:
      throw new MockLicenzyConfigError('fault.type', `unknown fault type ${JSON.stringify((fault as { type?: unknown }).type)}`);
  }
}

function checkStatus(option: string, status: unknown, min: number, max: number): void {
  if (!Number.isInteger(status) || (status as number) < min || (status as number) > max) {
    throw new MockLicenzyConfigError(option, `expected an integer status from ${min} to ${max}, got ${String(status)}`);
  }
}

function checkNonNegative(option: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new MockLicenzyConfigError(option, `expected a finite number >= 0, got ${String(value)}`);
  }
}
