// Parses and validates the options every adapter's requireAccess() takes, and picks the gate; no behaviour here.
import { followDefaultGate, getDefaultGate } from './default-gate.js';
import { LicenzyConfigError } from './errors.js';
import { createAccessGate } from './gate.js';
import { GATE_OPTION_KEYS } from './gate-options.js';
import type { AccessGate, AccessGateOptions } from './gate-types.js';
import { consoleLogger, type GateLogger } from './logger.js';
import { describe, functionOption, loggerOption, objectOption, optionKeys, pickKeys, rejectUnknownKeys, type KeysEnum } from './options.js';

/**
 * Options every adapter's `requireAccess()` takes, with the same names everywhere. `Req` is the framework's
 * request (Express `req`, Koa `ctx`, Fastify `request`); `Hook` its refusal handler signature.
 */
export interface RequireAccessOptions<Req, Hook> extends AccessGateOptions {
  /** A gate to share (one cache across routes). Not combinable with gate options such as `apiKey` or `cache`. */
  gate?: AccessGate;
  /**
   * Where the subject_ref comes from; may be async. Return `undefined` when the request is anonymous (→ 401).
   * Default: identity set by server-side auth middleware only (see the adapter's README), never client input.
   */
  subject?: (req: Req) => unknown;
  /**
   * Ask Licenzy instead of the cache (e.g. on the post-checkout route), bounded by the gate's `freshInterval`.
   * Decide it from the route, never from client input (a query parameter would let any client force Licenzy
   * calls). Default `false`.
   */
  fresh?: boolean | ((req: Req) => boolean);
  /**
   * Report instead of refusing, to roll a paywall out safely: the handler always runs, whatever the outcome (denied,
   * no subject, Licenzy unavailable, a failing resolver, usage exhausted), and what enforcement would have refused is
   * reported on `licenzy-gate:report`, as the `licenzy.gate.would_refuse` metric of `@licenzy-gate/otel` and in a log
   * summary at most once a minute per gate. Never waits on Licenzy: a cache miss is checked in the background (within
   * the gate's free slots; skipped and counted in `stats().skipped` beyond them), which warms the cache for when the
   * route enforces. Nothing is ever charged. `true`, or `(req) => boolean` to enforce for some requests first (only
   * `true` reports; `false` or a throw enforces). Decide it on the server, never from client input: a header or query
   * parameter would let any client skip the paywall. Default `false` (enforce).
   */
  reportOnly?: boolean | ((req: Req) => boolean);
  /** Custom answer when Licenzy says no. Default: 403 `access_denied` problem+json. */
  onDenied?: Hook;
  /**
   * When Licenzy cannot decide: `'deny'` (default, 503 `access_unavailable` with `Retry-After`),
   * `'allow'` (fail open for this route, logged; only for transport outages — a reachable Licenzy answering
   * nonsense is always refused), or a custom handler.
   */
  onUnavailable?: 'deny' | 'allow' | Hook;
  /** Hand every refusal to the framework's error handling as a typed {@link LicenzyError}. Default `false`. */
  delegateErrors?: boolean;
  /** Where fail-open and misconfiguration are reported. Default: the console (the Fastify adapter uses `request.log`). */
  logger?: GateLogger;
}

/** Every option name of {@link RequireAccessOptions}, kept exact by the compiler (the gate's included). */
export const REQUIRE_ACCESS_OPTION_KEYS = optionKeys<RequireAccessOptions<unknown, never>>({
  ...Object.fromEntries([...GATE_OPTION_KEYS].map((key) => [key, true])) as KeysEnum<AccessGateOptions>,
  gate: true, subject: true, fresh: true, reportOnly: true, onDenied: true, onUnavailable: true, delegateErrors: true, logger: true,
});
/** The options that build a gate of the guard's own (`logger` also serves the guard, so it alone does not). */
const OWN_GATE_KEYS: readonly string[] = [...GATE_OPTION_KEYS].filter((key) => key !== 'logger');

/** A guard's configuration: every `requireAccess` option validated, and the gate it decides with. */
export interface GuardConfig<Req, Hook> {
  readonly subject: (req: Req) => unknown;
  readonly fresh: boolean | ((req: Req) => boolean) | undefined;
  /** `undefined`: the route enforces (`reportOnly` left out or `false`); `true`: it only reports; a function: per request. */
  readonly reportOnly: true | ((req: Req) => boolean) | undefined;
  readonly onDenied: Hook | undefined;
  readonly onUnavailable: 'deny' | 'allow' | Hook;
  readonly delegateErrors: boolean;
  readonly baseLogger: GateLogger;
  readonly gate: AccessGate;
}

/**
 * Validates `requireAccess()` options (unknown keys, types; adapter options before gate options, so a bad one is named
 * even when the environment has no key yet) and picks the gate: `gate`, a new one from gate options, or the default.
 * @throws {LicenzyConfigError} naming the option.
 */
export function parseGuardOptions<Req, Hook extends (...args: never[]) => unknown>(
  options: RequireAccessOptions<Req, Hook> | undefined,
  defaultSubject: (req: Req) => unknown,
): GuardConfig<Req, Hook> {
  const opts = objectOption('options', options) ?? {};
  // A misspelt option is an error, never a setting that silently does not apply.
  rejectUnknownKeys('', opts, REQUIRE_ACCESS_OPTION_KEYS);
  // Adapter options first, so a bad one is named even when the environment has no key yet.
  const subject = functionOption<(req: Req) => unknown>('subject', opts.subject, defaultSubject);
  const fresh = opts.fresh;
  if (fresh !== undefined && typeof fresh !== 'boolean' && typeof fresh !== 'function') {
    throw new LicenzyConfigError('fresh', `expected a boolean or a function, got ${describe(fresh)}`);
  }
  const reportOnly = opts.reportOnly;
  if (reportOnly !== undefined && typeof reportOnly !== 'boolean' && typeof reportOnly !== 'function') {
    throw new LicenzyConfigError('reportOnly', `expected a boolean or a function, got ${describe(reportOnly)}`);
  }
  const onDenied = functionOption<Hook>('onDenied', opts.onDenied);
  // Only an option left out takes its default: `onUnavailable: null` is an error like any other bad value.
  const onUnavailable = opts.onUnavailable === undefined ? 'deny' : opts.onUnavailable;
  if (onUnavailable !== 'deny' && onUnavailable !== 'allow' && typeof onUnavailable !== 'function') {
    throw new LicenzyConfigError('onUnavailable', `expected 'deny', 'allow' or a function, got ${describe(onUnavailable)}`);
  }
  if (opts.delegateErrors !== undefined && typeof opts.delegateErrors !== 'boolean') {
    throw new LicenzyConfigError('delegateErrors', `expected a boolean, got ${describe(opts.delegateErrors)}`);
  }
  const baseLogger = loggerOption('logger', opts.logger, consoleLogger);

  const gateOptionNames = OWN_GATE_KEYS.filter((key) => (opts as Record<string, unknown>)[key] !== undefined);
  let gate: AccessGate;
  if (opts.gate !== undefined) {
    if (gateOptionNames.length > 0) {
      throw new LicenzyConfigError('gate', `cannot be combined with ${gateOptionNames.join(', ')}; configure those on the shared gate`);
    }
    const given = opts.gate as Partial<AccessGate> | null;
    if (typeof given !== 'object' || given === null || typeof given.check !== 'function' || typeof given.peek !== 'function') {
      throw new LicenzyConfigError('gate', `expected a gate from createAccessGate(), got ${describe(given)}`);
    }
    gate = given as AccessGate;
  } else {
    gate = gateOptionNames.length > 0 ? createAccessGate(pickKeys<AccessGateOptions>(opts, GATE_OPTION_KEYS)) : defaultGateFollowed();
  }

  return {
    subject,
    fresh: fresh as GuardConfig<Req, Hook>['fresh'],
    reportOnly: reportOnly === false ? undefined : (reportOnly as GuardConfig<Req, Hook>['reportOnly']),
    onDenied, onUnavailable: onUnavailable as 'deny' | 'allow' | Hook, delegateErrors: opts.delegateErrors === true, baseLogger, gate };
}

/**
 * The default gate for a route without gate options: built (or its environment checked) now, so a missing key fails at
 * setup; then followed on every request, so `resetDefaultGate()` (key rotation) reaches the route (issue 23, item 3).
 */
function defaultGateFollowed(): AccessGate {
  getDefaultGate();
  return followDefaultGate;
}
