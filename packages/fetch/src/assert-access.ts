// Access checks where there is no Request (Next.js server actions): resolve the decision or throw a typed refusal.
import { LicenzyConfigError, toProblem, type LicenzyError, type LicenzyErrorCode, type Problem, type RequestDecision } from '@licenzy-gate/core';
import { createGuard, type Guard, type RequireAccessOptions } from '@licenzy-gate/core/adapter';

/**
 * Options of {@link assertAccess}: the gate (`gate`, or gate options, or none for the environment's default gate),
 * `fresh`, `onUnavailable` (`'deny'` or `'allow'`) and `logger`. There is no `subject` resolver (the subject is the
 * argument), no hooks (the caller catches) and no report-only mode.
 */
export type AssertAccessOptions = Omit<RequireAccessOptions<unknown, never>, 'subject' | 'onDenied' | 'onUnavailable' | 'delegateErrors' | 'reportOnly' | 'fresh'> & {
  /** Ask Licenzy now instead of a cached decision (bounded per subject by the gate's `freshInterval`). Default `false`. */
  fresh?: boolean;
  /** `'deny'` (default): a Licenzy outage throws (503). `'allow'`: serve during a transport outage (`source: 'fail-open'`). */
  onUnavailable?: 'deny' | 'allow';
};

/**
 * What {@link assertAccess} throws for a refused subject: the typed core error (`cause`, `code`) and the problem+json
 * answer every adapter sends for it (`status`, `headers`, `problem`: 401 `subject_required`, 400 `subject_invalid`,
 * 403 `access_denied`, 503 `access_unavailable`, 500 `access_misconfigured`). Its message is the problem's title:
 * safe to show, and it survives Next.js's production redaction only as a digest, so return `problem` from the action.
 */
export class LicenzyRefusalError extends Error {
  override name = 'LicenzyRefusalError';
  /** The code of the core error, for `switch (error.code)`. */
  readonly code: LicenzyErrorCode;
  /** The HTTP status of the refusal. */
  readonly status: number;
  /** The refusal's headers (`content-type`, `cache-control: no-store`, `retry-after` on 503). */
  readonly headers: Readonly<Record<string, string>>;
  /** The RFC 9457 body: `{ type, title, status, code }`. */
  readonly problem: Problem['body'];
  override readonly cause: LicenzyError;
  constructor(error: LicenzyError) {
    const { status, headers, body } = toProblem(error);
    super(body.title);
    this.code = error.code;
    this.status = status;
    this.headers = headers;
    this.problem = body;
    this.cause = error;
  }
}

const NOT_HERE = ['subject', 'onDenied', 'delegateErrors', 'reportOnly'] as const;
const identity = (subject: unknown) => subject;
const guards = new WeakMap<object, Guard<unknown, never>>();
let defaultGuard: Guard<unknown, never> | undefined;

function guardFor(options: AssertAccessOptions | undefined): Guard<unknown, never> {
  if (options === undefined) return (defaultGuard ??= createGuard<unknown, never>(undefined, identity));
  let guard = guards.get(options);
  if (guard === undefined) {
    for (const key of NOT_HERE) {
      if ((options as Record<string, unknown>)[key] !== undefined) throw new LicenzyConfigError(key, 'is not an option of assertAccess(): the subject is its first argument, and a refusal is thrown for the caller to answer');
    }
    guard = createGuard<unknown, never>(options as RequireAccessOptions<unknown, never>, identity);
    guards.set(options, guard);
  }
  return guard;
}

/**
 * Resolves to the subject's decision when it may proceed, else throws a {@link LicenzyRefusalError}: for code paths
 * without a `Request`, such as a Next.js server action. The subject must come from your server-side session (never
 * from the action's arguments, which the client sends). The guard is built once per options object: keep `options`
 * in a module constant.
 *
 * @throws {LicenzyRefusalError} when refused (denied, no or invalid subject, Licenzy unavailable, misconfigured).
 * @throws {LicenzyConfigError} on invalid options, naming the option.
 * @example
 * 'use server'
 * export async function exportReport() {
 *   const session = await auth()
 *   try {
 *     await assertAccess(session?.userId, { gate })
 *   } catch (error) {
 *     if (error instanceof LicenzyRefusalError) return { error: error.problem }
 *     throw error
 *   }
 *   return { report: await buildReport(session.userId) }
 * }
 */
export async function assertAccess(subject: unknown, options?: AssertAccessOptions): Promise<RequestDecision> {
  const guard = guardFor(options);
  const outcome = await guard.decide(subject);
  if (outcome.allowed) return outcome.decision;
  throw new LicenzyRefusalError(outcome.error);
}
