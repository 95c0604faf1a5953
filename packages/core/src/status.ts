// The post-checkout status route every adapter's accessStatus() serves (long poll), and customerAccessFor().
import type { CustomerAccess } from './vocabulary.js';
import { getDefaultGate } from './default-gate.js';
import { LicenzyConfigError, LicenzyError, LicenzyWaitTimeoutError } from './errors.js';
import type { AccessGate, LicenzyGate } from './gate-types.js';
import { createGuard, type RequireAccessOptions } from './guard.js';
import { consoleLogger, createLogThrottle, type GateLogger } from './logger.js';
import { functionOption, integerOption, numberOption, objectOption, type Milliseconds } from './options.js';
import { toProblem } from './problem.js';
import { subjectFromResolved } from './subject.js';
import { meteringGate } from './usage.js';

/** Longest server-side wait an `accessStatus()` route may be configured with. */
export const MAX_STATUS_WAIT = 30_000;

/**
 * Options of every adapter's `accessStatus()`. The subject comes from server-side auth as for `requireAccess()`;
 * nothing in the request (query, body, headers) can grant or even speed up a grant.
 */
export interface AccessStatusOptions<Req> extends Pick<RequireAccessOptions<Req, never>, 'gate' | 'subject' | 'logger'> {
  /**
   * How long one request waits server-side for access before answering 202 (long poll): fresh checks with backoff,
   * answered at once when a webhook or `invalidate()` says the subject changed. `0` checks once and answers.
   * Default `5000` ms, at most {@link MAX_STATUS_WAIT}.
   */
  wait?: Milliseconds;
  /** `Retry-After` of a 202, in whole seconds: when the page should ask again. Default `1`. */
  retryAfter?: number;
}

/** An answer as an adapter writes it. */
export interface StatusReply {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

/** A configured status route: built once per `accessStatus()` call. */
export interface AccessStatusRoute<Req> {
  readonly gate: LicenzyGate;
  /** Answers one request; never rejects. `signal`: the client went away. */
  reply(req: Req, signal?: AbortSignal): Promise<StatusReply>;
  /** @deprecated use {@link AccessStatusRoute.reply} (the same function). */
  run(req: Req, signal?: AbortSignal): Promise<StatusReply>;
}


/**
 * Builds the handler behind an adapter's `accessStatus(options)`: `200 {"allowed":true}` as soon as the subject has
 * access, else `202 {"allowed":false}` with `Retry-After` after waiting up to `wait`; refusals (401 no subject,
 * 503 Licenzy failing, 500 misconfigured) as problem+json. Every answer is `Cache-Control: no-store`.
 * @throws {LicenzyConfigError} naming the bad option.
 * @example
 * const status = createAccessStatus<Request>({ gate, wait: 5_000 }, subjectFromAuth)
 * const { status: code, headers, body } = await status.reply(req)
 */
export function createAccessStatus<Req>(options: AccessStatusOptions<Req> | undefined, defaultSubject: (req: Req) => unknown): AccessStatusRoute<Req> {
  const opts = objectOption('options', options) ?? {};
  const wait = numberOption('wait', opts.wait, 5_000, 0);
  if (wait > MAX_STATUS_WAIT) throw new LicenzyConfigError('wait', `expected at most ${MAX_STATUS_WAIT} ms, got ${wait}`);
  const retryAfter = integerOption('retryAfter', opts.retryAfter, 1, 1);
  const subject = functionOption<(req: Req) => unknown>('subject', opts.subject, defaultSubject);
  const { wait: _wait, retryAfter: _retryAfter, ...shared } = opts as AccessStatusOptions<Req>;
  const gate = meteringGate(createGuard<Req, never>(shared as RequireAccessOptions<Req, never>, defaultSubject).gate);
  const logger: GateLogger = (opts.logger as GateLogger | undefined) ?? consoleLogger;
  const oncePerWindow = createLogThrottle(() => gate.now());

  const noStore = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };
  const granted = (): StatusReply => ({ status: 200, headers: { ...noStore }, body: { allowed: true } });
  const pending = (): StatusReply => ({ status: 202, headers: { ...noStore, 'retry-after': String(retryAfter) }, body: { allowed: false, retryAfter } });

  function refused(error: unknown): StatusReply {
    const problem = toProblem(error);
    if (problem.status === 500) {
      // The message says what is wrong (our errors never carry a secret); an app's own error (a throwing resolver) too, as the guard does.
      const details = error instanceof LicenzyError ? { code: error.code, message: error.message } : { code: 'unknown', message: describeUnknown(error) };
      oncePerWindow(`misconfigured:${details.code}`, (suppressed) =>
        logger.error('access status route misconfigured; answering 500 access_misconfigured', { ...details, ...(suppressed > 0 ? { suppressedSinceLast: suppressed } : {}) }),
      );
    }
    return { status: problem.status, headers: problem.headers, body: { ...problem.body } };
  }

  async function reply(req: Req, signal?: AbortSignal): Promise<StatusReply> {
    try {
      const subjectRef = subjectFromResolved(await subject(req));
      if (wait === 0) {
        const decision = gate.peek(subjectRef) ?? (await gate.check(subjectRef, { fresh: true, signal }));
        if (decision.allowed === true) return granted();
        // A cached denial may predate the payment: ask once more, bounded by the gate's freshInterval.
        const fresh = decision.source === 'cache' ? await gate.check(subjectRef, { fresh: true, signal }) : decision;
        return fresh.allowed === true ? granted() : pending();
      }
      const decision = await gate.waitForAccess(subjectRef, { timeout: wait, signal });
      return decision.allowed === true ? granted() : pending();
    } catch (error) {
      if (error instanceof LicenzyWaitTimeoutError) {
        // Still no access: come back later. Licenzy failing on the last check is said as such (503), not "pending".
        return error.cause instanceof LicenzyError ? refused(error.cause) : pending();
      }
      try {
        return refused(error);
      } catch {
        return refused(undefined);
      }
    }
  }

  return { gate, reply, run: reply };
}

/** What the log says of an error that is not ours (a throwing `subject` resolver): its message, read defensively. */
function describeUnknown(error: unknown): string {
  try {
    return error instanceof Error ? String(error.message) : 'not an Error';
  } catch {
    return 'an unprintable error';
  }
}

/** Options of every adapter's `customerAccessFor()`. */
export interface CustomerAccessForOptions<Req> {
  /** The gate to load through (and cache in). Default: the process-wide gate from the environment. */
  gate?: AccessGate;
  /** Where the subject comes from. Default: the adapter's server-side identity, as for `requireAccess()`. */
  subject?: (req: Req) => unknown;
  /** Ask Licenzy rather than reuse a cached summary, bounded by the gate's `freshInterval`. Default `false`. */
  fresh?: boolean;
}

/**
 * Loads the entitlement summary of the request's subject on demand (`gate.customerAccess()`, cached): for a route
 * that shows `usage_remaining` or `expires_at`. Rejects with the typed errors of the gate (401 without a subject).
 * @example
 * const summary = await loadCustomerAccess(req, { gate }, subjectFromAuth)
 */
export async function loadCustomerAccess<Req>(req: Req, options: CustomerAccessForOptions<Req> | undefined, defaultSubject: (req: Req) => unknown): Promise<CustomerAccess> {
  const opts = objectOption('options', options) ?? {};
  const subject = functionOption<(req: Req) => unknown>('subject', opts.subject, defaultSubject);
  if (opts.fresh !== undefined && typeof opts.fresh !== 'boolean') throw new LicenzyConfigError('fresh', 'expected a boolean');
  const gate = meteringGate((opts.gate as AccessGate | undefined) ?? getDefaultGate());
  const subjectRef = subjectFromResolved(await subject(req));
  return gate.customerAccess(subjectRef, { fresh: opts.fresh === true });
}
