// The Fastify 5 plugin: turns a request into `guard.decide()` and a guard outcome into a reply; all policy lives in core.
import { LicenzyConfigError } from '@licenzy-gate/core';
import { REQUIRE_ACCESS_OPTION_KEYS, booleanOption, createGuard, identityField, loggerOption, markGate, optionsObject } from '@licenzy-gate/core/adapter';
import type { GateLogger, RequestDecision } from '@licenzy-gate/core';
import type { Guard, GuardOutcome, RequireAccessOptions } from '@licenzy-gate/core/adapter';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction, preHandlerHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { decorateAccessStatus } from './access-status.js';
import { toError, writeRefusal, type FastifyRefusalHook } from './refusal.js';
import { decorateRequireUsage } from './require-usage.js';
import { routeOf } from './route-pattern.js';
import type { RouteDefaults } from './route-defaults.js';

/** The options a route may set for itself; everything else (the gate, its cache, the logger) is the plugin's. */
const ROUTE_OPTION_KEYS = ['subject', 'fresh', 'reportOnly', 'onDenied', 'onUnavailable', 'delegateErrors'] as const;
const ROUTE_OPTION_KEY_SET: ReadonlySet<string> = new Set(ROUTE_OPTION_KEYS);

/**
 * Per-route options of `app.requireAccess()` and of `config.licenzy` in global mode. Each one left out
 * inherits the plugin's value; the plugin's gate (and so its one cache) is always reused.
 *
 * @example
 * app.get('/welcome', { preHandler: app.requireAccess({ fresh: true }) }, handler)
 */
export type RouteLicenzyOptions = Pick<RequireAccessOptions<FastifyRequest, FastifyRefusalHook>, (typeof ROUTE_OPTION_KEYS)[number]>;

/**
 * Options of `app.register(licenzyGate, options)`: core's options (the gate or gate options such as `apiKey`,
 * `baseUrl`, `cache`; `subject`, `fresh`, `onDenied`, `onUnavailable`, `delegateErrors`, `logger`) plus `global`.
 *
 * @example
 * await app.register(licenzyGate, { gate: createAccessGate(), global: true })
 */
export interface LicenzyGateOptions extends RequireAccessOptions<FastifyRequest, FastifyRefusalHook> {
  /** Gate every route of the context the plugin is registered in (opt out per route with `config: { licenzy: false }`). Default `false`. */
  global?: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The access decision for a gated route (also set on a denial); `null` where no gate ran. */
    licenzy: RequestDecision | null;
  }
  interface FastifyInstance {
    /** A `preHandler` hook gating a route on the plugin's gate; `options` override the plugin's per-route values. */
    requireAccess(options?: RouteLicenzyOptions): preHandlerHookHandler;
  }
  interface FastifyContextConfig {
    /** Global mode only: `false` leaves the route ungated; an object overrides the plugin's per-route options. */
    licenzy?: false | RouteLicenzyOptions;
  }
}

type FastifyGuard = Guard<FastifyRequest, FastifyRefusalHook>;
/** What gates one request of a route: the guard's enforcing or report-only flow, picked once per guard. */
type GateHandler = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void;

/**
 * The default subject: identity set by server-side auth (`@fastify/jwt` puts the verified payload on `request.user`),
 * looked up as `request.user.id`, then `request.user.sub`. Never headers, query, body or cookies.
 *
 * @example
 * await app.register(licenzyGate, { subject: (request) => subjectFromRequest(request) ?? request.session?.userId })
 */
export function subjectFromRequest(request: FastifyRequest): unknown {
  const user = identityField(request, 'user');
  return identityField(user, 'id') ?? identityField(user, 'sub');
}

/** Core's `warn(message, details)` on pino's `warn(details, message)`, so gate reports land in the request log. */
class RequestLogger implements GateLogger {
  constructor(private readonly log: FastifyBaseLogger) {}
  warn(message: string, details?: Record<string, unknown>): void { this.log.warn(details ?? {}, message); }
  error(message: string, details?: Record<string, unknown>): void { this.log.error(details ?? {}, message); }
}

/** Built only when the guard has something to log. */
const requestLoggerFor = (request: FastifyRequest): GateLogger => new RequestLogger(request.log);

/** Keys Fastify itself reads from every `register()` options object; not ours to reject. */
const REGISTER_KEYS: readonly string[] = ['prefix', 'logLevel', 'logSerializers'];
/** Every key `register(licenzyGate, options)` accepts: core's `requireAccess` options, `global`, and Fastify's own. */
const PLUGIN_OPTION_KEYS: ReadonlySet<string> = new Set([...REQUIRE_ACCESS_OPTION_KEYS, 'global', ...REGISTER_KEYS]);

async function licenzyGatePlugin(app: FastifyInstance, options: LicenzyGateOptions): Promise<void> {
  // Through core's options path: an unknown key (`globl`, a misspelt `onDenied`) is an error naming it and the closest
  // known one, never a setting that silently does not apply; `null` is never "use the default".
  const opts = optionsObject('', options, PLUGIN_OPTION_KEYS);
  const global = booleanOption('global', opts.global, false);
  const logger = loggerOption('logger', opts.logger);
  // `global` is the plugin's own and Fastify's register keys are Fastify's; everything else is a guard option.
  const guardOptions: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(opts)) if (key !== 'global' && !REGISTER_KEYS.includes(key)) guardOptions[key] = value;
  // Without an explicit `logger`, a gate the plugin builds reports outages and circuit changes to the app's pino logger.
  guardOptions.logger = logger ?? new RequestLogger(app.log);
  const pluginGuard = createGuard<FastifyRequest, FastifyRefusalHook>(guardOptions as RequireAccessOptions<FastifyRequest, FastifyRefusalHook>, subjectFromRequest);
  // An explicit `logger` wins; otherwise each request's own pino logger carries the request id (picked once, not per request).
  const loggerFor = logger === undefined ? requestLoggerFor : undefined;

  function routeGuard(routeOptions: unknown, name: string): FastifyGuard {
    if (routeOptions === undefined) return pluginGuard;
    if (typeof routeOptions !== 'object' || routeOptions === null || Array.isArray(routeOptions)) {
      throw new LicenzyConfigError(name, `expected an object of per-route options, got ${routeOptions === null ? 'null' : typeof routeOptions}`);
    }
    for (const key of Object.keys(routeOptions)) {
      if (!ROUTE_OPTION_KEY_SET.has(key) && PLUGIN_OPTION_KEYS.has(key)) {
        throw new LicenzyConfigError(key, `is not a per-route option (${ROUTE_OPTION_KEYS.join(', ')}); set it when registering the plugin`);
      }
    }
    // Any other unknown key is a typo: named with the closest per-route option.
    const route = optionsObject('', routeOptions, ROUTE_OPTION_KEY_SET);
    const merged: Record<string, unknown> = { gate: pluginGuard.gate, logger };
    for (const key of ROUTE_OPTION_KEYS) merged[key] = route[key] ?? opts[key];
    return createGuard(merged as RequireAccessOptions<FastifyRequest, FastifyRefusalHook>, subjectFromRequest);
  }

  /** `admit`: the guard's, held by the route's handler (a hit then reads no guard object: issue 25). */
  function gateRequest(guard: FastifyGuard, admit: FastifyGuard['admit'], request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const admission = admit(request, loggerFor);
    // A cache hit arrives synchronously, a grant as the decision itself: answered now, with no Promise and no outcome
    // object on the hot path.
    if ('source' in admission) {
      request.licenzy = admission;
      done();
    } else if (admission instanceof Promise) {
      admission.then((settled) => respond(guard, settled, request, reply, done)).catch((thrown: unknown) => done(toError(thrown)));
    } else {
      respond(guard, admission, request, reply, done);
    }
  }

  /** A report-only request: never waits, never refuses; the decision (marked `enforced: false`) when the cache had one. */
  function reportRequest(guard: FastifyGuard, request: FastifyRequest, done: HookHandlerDoneFunction): void {
    const decision = guard.observe(request, routeOf, loggerFor);
    if (decision !== undefined) request.licenzy = decision;
    done();
  }

  /** A new handler for `guard`'s flow, picked once: an enforcing route runs exactly gateRequest(). */
  function handlerFor(guard: FastifyGuard): GateHandler {
    const admit = guard.admit;
    if (guard.reportOnly === false) return function licenzyPreHandler(request, reply, done) { gateRequest(guard, admit, request, reply, done); };
    if (guard.reportOnly === true) return function licenzyReportPreHandler(request, _reply, done) { reportRequest(guard, request, done); };
    return function licenzyPreHandlerOrReport(request, reply, done) {
      if (guard.reportsOnly(request)) reportRequest(guard, request, done);
      else gateRequest(guard, admit, request, reply, done);
    };
  }

  // A second registration in a child context (another gate for a sub-app) shares the request property.
  if (!app.hasRequestDecorator('licenzy')) app.decorateRequest('licenzy', null);
  app.decorate('requireAccess', function requireAccess(routeOptions?: RouteLicenzyOptions): preHandlerHookHandler {
    return markGate(handlerFor(routeGuard(routeOptions, 'options')) as preHandlerHookHandler, 'access', routeOptions, opts);
  });

  // Metered routes, the post-checkout status route and entitlement summaries, on this registration's gate.
  const defaults: RouteDefaults = { gate: pluginGuard.gate, subject: subjectFromRequest, options: opts, logger: logger ?? new RequestLogger(app.log) };
  decorateRequireUsage(app, defaults);
  decorateAccessStatus(app, defaults);

  if (global) {
    // Where this registration's `onRoute` leaves the guard it built for a route, so its global hook finds it without
    // building anything. One symbol per registration, not per module: with a global gate in a parent context and
    // another in a child, both hooks see the child's routes, and each must decide with its own gate (issue #8).
    const routeGuardKey = Symbol('licenzy-gate.routeGuard');
    const pluginHandler = handlerFor(pluginGuard);
    app.addHook('onRoute', function licenzyRouteConfig(route) {
      const setting: unknown = route.config?.licenzy;
      if (setting === undefined || setting === false) return;
      // Fastify copies `route.config` (symbol keys too) into the route context that `request.routeOptions.config`
      // returns; the spread keeps the guards that gates registered above this one already put there.
      route.config = { ...route.config, [routeGuardKey]: handlerFor(routeGuard(setting, 'config.licenzy')) } as typeof route.config;
    });
    app.addHook('preHandler', markGate(function licenzyGlobalPreHandler(request, reply, done) {
      // A 404 is no route: answer it as 404, not 401, and spend no Licenzy call on it.
      if (request.is404) return done();
      const config = request.routeOptions.config as { licenzy?: unknown; [routeGuardKey]?: GateHandler };
      // `false` opts the route out of every global gate above it, not only the nearest.
      if (config.licenzy === false) return done();
      const handler = config[routeGuardKey];
      if (handler === undefined && config.licenzy !== undefined) {
        return done(new LicenzyConfigError('config.licenzy', 'set on a route registered before the plugin; register licenzyGate first'));
      }
      (handler ?? pluginHandler)(request, reply, done);
    }, 'access', opts));
  }
}

function respond(guard: FastifyGuard, outcome: GuardOutcome, request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  if (outcome.allowed || outcome.kind === 'denied') request.licenzy = outcome.decision;
  if (outcome.allowed) return done();
  // Core decides (delegate, hook or problem); the adapter only writes it. An answered refusal never calls `done`.
  const error = writeRefusal(guard.refusal(outcome), request, reply);
  if (error instanceof Promise) void error.then((failed) => failed !== undefined && done(failed));
  else if (error !== undefined) done(error);
}

/**
 * The licenzy-gate Fastify plugin. Decorates `app.requireAccess(options?)` (a `preHandler` hook) and
 * `request.licenzy`; with `global: true` it gates every route of the context it is registered in. Register it
 * before the routes it gates; it throws a `LicenzyConfigError` naming the option for bad options.
 *
 * @example
 * await app.register(licenzyGate, { gate: createAccessGate() })
 * app.get('/pro/report', { preHandler: app.requireAccess() }, (request) => ({ for: request.licenzy?.subjectRef }))
 */
export const licenzyGate = fp(licenzyGatePlugin, { fastify: '5.x', name: '@licenzy-gate/fastify' });
