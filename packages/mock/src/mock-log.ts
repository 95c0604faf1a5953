// Request log of the Licenzy emulator: redacted entries, exact per-endpoint counts, and contract violations.
import type { LicenzyMode } from '@licenzy-gate/core';

/**
 * One request as the emulator saw it. Secrets are redacted before the entry is stored.
 * @example
 * expect(mock.requests[0]).toMatchObject({ method: 'POST', path: '/v1/access/check', status: 200, mode: 'test' });
 */
export interface MockRequestLogEntry {
  method: string;
  /** Path without the query string, as sent (still percent-encoded). */
  path: string;
  /** Lower-case header names; `authorization`, `proxy-authorization`, `cookie` and `x-api-key` are redacted. */
  headers: Record<string, string>;
  /** Parsed JSON, the raw text when it is not JSON, or `undefined` for an empty body. */
  body: unknown;
  /** Mode of the accepted key that was sent, or `undefined` when no accepted key was sent. */
  mode: LicenzyMode | undefined;
  /** Status the mock answered, or `undefined` while unanswered and for `reset`/`hang` faults. */
  status: number | undefined;
  /** When it arrived, from the mock's clock (epoch milliseconds). */
  at: number;
}

const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'x-api-key']);

/**
 * Redacts a credential header value, keeping only what helps debugging: the scheme and the key's mode prefix.
 * @example
 * redactCredential('Bearer lz_test_abc'); // 'Bearer lz_test_…redacted'
 */
export function redactCredential(value: string): string {
  const match = /^(\S+)\s+(\S*)/.exec(value);
  const token = match ? (match[2] ?? '') : value;
  const prefix = /^lz_(test|live)_/.exec(token)?.[0] ?? '';
  return match ? `${match[1]} ${prefix}…redacted` : `${prefix}…redacted`;
}

/**
 * Copies request headers with lower-case names, joined multi-values, and credentials redacted.
 * @example
 * redactHeaders({ authorization: 'Bearer lz_live_x' }); // { authorization: 'Bearer lz_live_…redacted' }
 */
export function redactHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const redacted: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers)) {
    if (raw === undefined) continue;
    const value = Array.isArray(raw) ? raw.join(', ') : raw;
    const lower = name.toLowerCase();
    redacted[lower] = SECRET_HEADERS.has(lower) ? redactCredential(value) : value;
  }
  return redacted;
}

/**
 * Parses a logged body: JSON when possible, else the text, `undefined` when empty.
 * @example
 * parseLoggedBody('{"a":1}'); // { a: 1 }
 */
export function parseLoggedBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * Default bound of `mock.requests` in bytes (16 MiB), by {@link loggedBytes}: whatever the entry count, posts of
 * 60 KiB (which any web page can send) cannot make the log hold more. Set with the `maxLoggedBytes` option.
 */
export const DEFAULT_MAX_LOGGED_BYTES = 16 * 1024 * 1024;
/** Bound of `mock.violations` in bytes (1 MiB), by {@link loggedBytes}; the oldest are dropped first. */
export const MAX_VIOLATION_BYTES = 1024 * 1024;
/** Characters kept of one violation message (1 KiB); a longer one (a 16 KiB path, a 60 KiB field name) ends in `…`. */
export const MAX_VIOLATION_LENGTH = 1024;
/** Room for the `"status":NNN` an entry gains when answered, so its size is counted once, at arrival. */
const STATUS_ROOM = 16;

/**
 * The log's own accounting of what an entry or a violation retains: its UTF-8 size as JSON (what
 * `GET /_mock/requests` serves), plus room for the status an entry gains when answered.
 * @example
 * loggedBytes('POST /v1/nope: no such endpoint in the Licenzy contract'); // 56
 */
export function loggedBytes(item: MockRequestLogEntry | string): number {
  if (typeof item === 'string') return Buffer.byteLength(item, 'utf8');
  return Buffer.byteLength(JSON.stringify(item), 'utf8') + (item.status === undefined ? STATUS_ROOM : 0);
}

/**
 * The emulator's memory of traffic. Counts are kept apart from entries so they stay exact when old entries are dropped.
 * Entries are bounded in number and in bytes, violations in bytes; the oldest go first.
 * @example
 * const log = new RequestLog(100); log.record(entry); log.count('POST /v1/access/check');
 */
export class RequestLog {
  /** Logged requests, oldest first. */
  readonly requests: MockRequestLogEntry[] = [];
  /** Human-readable contract violations, oldest first. */
  readonly violations: string[] = [];
  private readonly tally = new Map<string, number>();
  private readonly requestSizes: number[] = [];
  private requestBytes = 0;
  private violationBytes = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxBytes: number = DEFAULT_MAX_LOGGED_BYTES,
  ) {}

  /** Bytes the log retains now, by {@link loggedBytes}: never over `maxBytes` and {@link MAX_VIOLATION_BYTES}. */
  get retainedBytes(): { requests: number; violations: number } {
    return { requests: this.requestBytes, violations: this.violationBytes };
  }

  /** Stores an entry (the same object, so a later status update shows in the log) and counts it. */
  record(entry: MockRequestLogEntry): void {
    const endpoint = `${entry.method} ${entry.path}`;
    this.tally.set(endpoint, (this.tally.get(endpoint) ?? 0) + 1);
    if (this.maxEntries === 0) return;
    const size = loggedBytes(entry);
    // An entry larger than the whole bound is counted, not kept (only with a tiny `maxLoggedBytes`).
    if (size > this.maxBytes) return;
    this.requests.push(entry);
    this.requestSizes.push(size);
    this.requestBytes += size;
    while (this.requests.length > this.maxEntries || this.requestBytes > this.maxBytes) {
      this.requests.shift();
      this.requestBytes -= this.requestSizes.shift() ?? 0;
    }
  }

  /** Notes a contract violation, cut to {@link MAX_VIOLATION_LENGTH} characters. */
  violation(message: string): void {
    const kept = message.length > MAX_VIOLATION_LENGTH ? `${message.slice(0, MAX_VIOLATION_LENGTH - 1)}…` : message;
    this.violations.push(kept);
    this.violationBytes += loggedBytes(kept);
    while (this.violationBytes > MAX_VIOLATION_BYTES) {
      this.violationBytes -= loggedBytes(this.violations.shift() ?? '');
    }
  }

  /** Requests seen for `'METHOD /path'`, for `'/path'` (any method), or in total. */
  count(pathOrEndpoint?: string): number {
    let total = 0;
    for (const [endpoint, n] of this.tally) {
      const matches =
        pathOrEndpoint === undefined ||
        endpoint === pathOrEndpoint ||
        (!pathOrEndpoint.includes(' ') && endpoint.slice(endpoint.indexOf(' ') + 1) === pathOrEndpoint);
      if (matches) total += n;
    }
    return total;
  }

  /** Requests seen per `'METHOD /path'`. */
  counts(): Record<string, number> {
    return Object.fromEntries(this.tally);
  }

  /** Forgets entries, counts and violations. */
  clear(): void {
    this.requests.length = 0;
    this.requestSizes.length = 0;
    this.requestBytes = 0;
    this.violations.length = 0;
    this.violationBytes = 0;
    this.tally.clear();
  }
}
