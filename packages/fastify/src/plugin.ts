// The Fastify 5 plugin: turns a request into `guard.run()` and a guard outcome into a reply; all policy lives in core.
import { LicenzyConfigError, createGuard, identityField } from '@licenzy-gate/core';
import type { GateLogger, Guard, GuardOutcome, LicenzyError, RequestDecision, RequireAccessOptions } from '@licenzy-gate/core';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction, preHandlerHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { decorateMetering } from './require-usage.js';
import { toError } from './hook-error.js';

/** The options a route may set for itself; everything else (the gate, its cache, the logger) is the plugin's. */
const ROUTE_OPTION_KEYS = ['subject', 'fresh', 'onDenied', 'onUnavailable', 'delegateErrors'] as const;

/**
 * Answers a refusal in place of the default problem+json. Answer through `reply` (`reply.code(402).send(…)`,
 * and `return reply` from an async hook) or return the payload to send; a throw goes to Fastify's error handler.
 *
 * @example
 * const onDenied: FastifyRefusalHook = (request, reply) => reply.code(402).send({ upgrade: '/pricing' })
 */
export type FastifyRefusalHook = (request: FastifyRequest, reply: FastifyReply, error: LicenzyError) => unknown;

/** @deprecated The same type under its old name: use {@link FastifyRefusalHook} (one naming pattern in every adapter). */
export type LicenzyHook = FastifyRefusalHook;

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

async function licenzyGatePlugin(app: FastifyInstance, options: LicenzyGateOptions): Promise<void> {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new LicenzyConfigError('options', 'expected an object of plugin options');
  }
  // `global` is the plugin's own; Fastify's register keys are Fastify's; everything else must be a guard option
  // (an unknown key, e.g. a misspelt `onDenied`, is an error naming it, never a setting that silently does not apply).
  const guardOptions: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) if (key !== 'global' && !REGISTER_KEYS.includes(key)) guardOptions[key] = value;
  // Without an explicit `logger`, a gate the plugin builds reports outages and circuit changes to the app's pino logger.
  if (options.logger === undefined) guardOptions.logger = new RequestLogger(app.log);
  const pluginGuard = createGuard<FastifyRequest, FastifyRefusalHook>(guardOptions as RequireAccessOptions<FastifyRequest, FastifyRefusalHook>, subjectFromRequest);
  if (options.global !== undefined && typeof options.global !== 'boolean') {
    throw new LicenzyConfigError('global', `expected a boolean, got ${typeof options.global}`);
  }
  // An explicit `logger` wins; otherwise each request's own pino logger carries the request id.
  const useRequestLog = options.logger === undefined;

  function routeGuard(routeOptions: unknown, name: string): FastifyGuard {
    if (routeOptions === undefined) return pluginGuard;
    if (typeof routeOptions !== 'object' || routeOptions === null || Array.isArray(routeOptions)) {
      throw new LicenzyConfigError(name, `expected an object of per-route options, got ${routeOptions === null ? 'null' : typeof routeOptions}`);
    }
    const merged: RequireAccessOptions<FastifyRequest, FastifyRefusalHook> = { gate: pluginGuard.gate, logger: options.logger };
    for (const [key, value] of Object.entries(routeOptions)) {
      if (!(ROUTE_OPTION_KEYS as readonly string[]).includes(key)) {
        throw new LicenzyConfigError(key, `is not a per-route option (${ROUTE_OPTION_KEYS.join(', ')}); set gate options when registering the plugin`);
      }
      if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
    }
    for (const key of ROUTE_OPTION_KEYS) (merged as Record<string, unknown>)[key] ??= options[key];
    return createGuard(merged, subjectFromRequest);
  }

  function gateRequest(guard: FastifyGuard, request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const outcome = guard.run(request, useRequestLog ? requestLoggerFor : undefined);
    // A cache hit arrives synchronously: answer it now, with no Promise on the hot path.
    if (outcome instanceof Promise) {
      outcome.then((settled) => respond(guard, settled, request, reply, done)).catch((thrown: unknown) => done(toError(thrown)));
    } else {
      respond(guard, outcome, request, reply, done);
    }
  }

  // A second registration in a child context (another gate for a sub-app) shares the request property.
  if (!app.hasRequestDecorator('licenzy')) app.decorateRequest('licenzy', null);
  app.decorate('requireAccess', function requireAccess(routeOptions?: RouteLicenzyOptions): preHandlerHookHandler {
    const guard = routeGuard(routeOptions, 'options');
    return function licenzyPreHandler(request, reply, done) {
      gateRequest(guard, request, reply, done);
    };
  });

  // Metered routes, the post-checkout status route and entitlement summaries, on this registration's gate.
  decorateMetering(app, { gate: pluginGuard.gate, subject: subjectFromRequest, options, logger: options.logger ?? new RequestLogger(app.log) });

  if (options.global === true) {
    // Where this registration's `onRoute` leaves the guard it built for a route, so its global hook finds it without
    // building anything. One symbol per registration, not per module: with a global gate in a parent context and
    // another in a child, both hooks see the child's routes, and each must decide with its own gate (issue #8).
    const routeGuardKey = Symbol('licenzy-gate.routeGuard');
    app.addHook('onRoute', function licenzyRouteConfig(route) {
      const setting: unknown = route.config?.licenzy;
      if (setting === undefined || setting === false) return;
      // Fastify copies `route.config` (symbol keys too) into the route context that `request.routeOptions.config`
      // returns; the spread keeps the guards that gates registered above this one already put there.
      route.config = { ...route.config, [routeGuardKey]: routeGuard(setting, 'config.licenzy') } as typeof route.config;
    });
    app.addHook('preHandler', function licenzyGlobalPreHandler(request, reply, done) {
      // A 404 is no route: answer it as 404, not 401, and spend no Licenzy call on it.
      if (request.is404) return done();
      const config = request.routeOptions.config as { licenzy?: unknown; [routeGuardKey]?: FastifyGuard };
      // `false` opts the route out of every global gate above it, not only the nearest.
      if (config.licenzy === false) return done();
      const guard = config[routeGuardKey];
      if (guard === undefined && config.licenzy !== undefined) {
        return done(new LicenzyConfigError('config.licenzy', 'set on a route registered before the plugin; register licenzyGate first'));
      }
      gateRequest(guard ?? pluginGuard, request, reply, done);
    });
  }
}

function respond(guard: FastifyGuard, outcome: GuardOutcome, request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  if (outcome.allowed || outcome.kind === 'denied') request.licenzy = outcome.decision;
  if (outcome.allowed) return done();
  // Core decides (delegate, hook or problem); the adapter only writes it.
  const action = guard.refusal(outcome);
  if (action.type === 'delegate') return done(action.error);
  if (action.type === 'hook') return answerWithHook(action.hook, request, reply, action.error, done);
  const { problem } = action;
  // Sent as a string: a route's response schema or serializer must not reshape or re-type the problem body.
  reply.code(problem.status).headers(problem.headers).send(JSON.stringify(problem.body));
}

function answerWithHook(hook: FastifyRefusalHook, request: FastifyRequest, reply: FastifyReply, error: LicenzyError, done: HookHandlerDoneFunction): void {
  const fail = (thrown: unknown) => done(toError(thrown));
  // Like a Fastify handler: a hook that returned `reply` (or nothing) answered itself; anything else is the payload.
  const sendReturned = (value: unknown) => void (value !== undefined && value !== reply && !reply.sent && reply.send(value));
  try {
    const result = hook(request, reply, error);
    if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') Promise.resolve(result).then(sendReturned).catch(fail);
    else sendReturned(result);
  } catch (thrown) {
    fail(thrown);
  }
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
