// The options of LicenzyModule and of the route decorators: validated once (at decoration or module setup), then merged
// per route with the module's defaults. Every check goes through core's one options path; no behaviour here.
import { LicenzyConfigError, createAccessGate, type AccessGate, type AccessGateOptions } from '@licenzy-gate/core';
import {
  REQUIRE_ACCESS_OPTION_KEYS,
  booleanOption,
  createGuard,
  createUsageGuard,
  optionKeys,
  rejectUnknownKeys,
  type KeysEnum,
  type RequireAccessOptions,
  type RequireUsageOptions,
} from '@licenzy-gate/core/adapter';
import type { NestRefusalHook } from './refusal.js';
import type { NestHttpRequest } from './subject.js';

/** Options of `@RequireAccess()`: the ones `requireAccess()` takes in every adapter (`subject`, `fresh`, `onDenied`, …). */
export type NestRequireAccessOptions<Req extends object = NestHttpRequest> = RequireAccessOptions<Req, NestRefusalHook>;
/** Options of `@RequireUsage()`: `units` (required), `charge`, `onExhausted`, and the shared ones. */
export type NestRequireUsageOptions<Req extends object = NestHttpRequest> = RequireUsageOptions<Req, NestRefusalHook>;

/**
 * Options of `LicenzyModule.forRoot()`: the gate (`gate`, or the options of `createAccessGate()`: `apiKey`, `cache`, …;
 * without either, `LICENZY_API_KEY` / `LICENZY_API_URL`), and defaults for every gated route of the module.
 */
export interface LicenzyModuleOptions extends AccessGateOptions {
  /** A gate you built (and close yourself). Not combinable with gate options such as `apiKey`. */
  gate?: AccessGate;
  /** Register the module globally, so `LicenzyGuard` and `LICENZY_GATE` resolve in every module. Default `false`. */
  isGlobal?: boolean;
  /** The subject resolver of every route that sets none. Default: {@link subjectFromRequest} (`request.user.id`, …). */
  subject?: (request: NestHttpRequest) => unknown;
  /** Throw every refusal as a {@link LicenzyException} for the app's exception filters. Default `false`. */
  delegateErrors?: boolean;
  /**
   * Roll out without refusing: every route of the module that sets no `reportOnly` only reports what it would have
   * refused (`licenzy-gate:report`, the otel metric, a summary log line); the handler always runs. Default `false`.
   */
  reportOnly?: boolean | ((request: NestHttpRequest) => boolean);
}

/** Options only a route can take (the rest of `requireAccess`'s, bar the gate's own, are module options too). */
const ROUTE_ONLY = new Set(['fresh', 'onDenied', 'onUnavailable']);
/** Options that configure the adapter, not a gate (`logger` serves both: alone it does not build a gate). */
const ADAPTER_KEYS = new Set(['gate', 'subject', 'fresh', 'onDenied', 'onUnavailable', 'delegateErrors', 'logger', 'units', 'charge', 'onExhausted', 'reportOnly']);
const isGateKey = (key: string): boolean => REQUIRE_ACCESS_OPTION_KEYS.has(key) && !ADAPTER_KEYS.has(key);

/** Every option name of {@link LicenzyModuleOptions}. */
export const MODULE_OPTION_KEYS = optionKeys<LicenzyModuleOptions>({
  ...(Object.fromEntries([...REQUIRE_ACCESS_OPTION_KEYS].filter((key) => !ROUTE_ONLY.has(key)).map((key) => [key, true])) as KeysEnum<Omit<LicenzyModuleOptions, 'isGlobal'>>),
  isGlobal: true,
});

/** The module's configuration once parsed: its gate, whether it built (and so closes) it, and the route defaults. */
export interface ModuleConfig {
  readonly gate: AccessGate;
  readonly ownsGate: boolean;
  readonly defaults: Readonly<Record<string, unknown>>;
}

/** An options argument: `undefined` (none), or a plain object. @throws {LicenzyConfigError} */
function objectOption(name: string, value: unknown): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new LicenzyConfigError(name, `expected an object, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`);
  return value as Record<string, unknown>;
}

/** A stand-in gate, so core validates a route's options at decoration time without a module in sight. */
const PROBE_GATE = Object.freeze({
  mode: 'test',
  now: () => 0,
  check: () => Promise.reject(new Error('probe')),
  peek: () => undefined,
  invalidate: () => false,
  clear: () => undefined,
  stats: () => ({}),
  consumeUsage: () => Promise.reject(new Error('probe')),
  customerAccess: () => Promise.reject(new Error('probe')),
  waitForAccess: () => Promise.reject(new Error('probe')),
  invalidateEverywhere: () => Promise.resolve(false),
}) as unknown as AccessGate;

function splitGateOptions(opts: Record<string, unknown>): { gateOptions: Record<string, unknown>; rest: Record<string, unknown> } {
  const gateOptions: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(opts)) (isGateKey(key) ? gateOptions : rest)[key] = value;
  return { gateOptions, rest };
}

/**
 * Validates a decorator's options now (unknown keys with the closest name, types), so a bad route fails when its
 * class is defined. A route with gate options of its own (`apiKey`, …) gets its gate built here, once.
 * @throws {LicenzyConfigError} naming the option.
 */
export function routeOptions(kind: 'access' | 'usage', options: unknown): Readonly<Record<string, unknown>> {
  const opts = objectOption('options', options) ?? {};
  const { gateOptions, rest } = splitGateOptions(opts);
  const probe = { ...rest, gate: rest.gate ?? PROBE_GATE };
  if (kind === 'access') createGuard(probe as NestRequireAccessOptions, () => undefined);
  else createUsageGuard(probe as unknown as NestRequireUsageOptions, () => undefined);
  if (Object.keys(gateOptions).length === 0) return Object.freeze(opts);
  if (rest.gate !== undefined) createGuard(opts as NestRequireAccessOptions, () => undefined); // names the conflict
  const logger = rest.logger === undefined ? {} : { logger: rest.logger };
  return Object.freeze({ ...rest, gate: createAccessGate({ ...gateOptions, ...logger } as AccessGateOptions) });
}

/** A route's options with the module's defaults filled in: its gate, subject resolver, `delegateErrors`, logger. */
export function withDefaults(route: Readonly<Record<string, unknown>> | undefined, module: ModuleConfig): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...module.defaults, gate: module.gate };
  if (route !== undefined) for (const [key, value] of Object.entries(route)) if (value !== undefined) merged[key] = value;
  return merged;
}

/**
 * Validates `LicenzyModule` options and builds its gate (`gate` as given, else `createAccessGate()` with the gate
 * options). @throws {LicenzyConfigError} naming the option.
 */
export function parseModuleOptions(options: unknown): ModuleConfig & { readonly isGlobal: boolean } {
  const opts = objectOption('options', options) ?? {};
  rejectUnknownKeys('', opts, MODULE_OPTION_KEYS);
  const isGlobal = booleanOption('isGlobal', opts.isGlobal, false);
  const { gateOptions, rest } = splitGateOptions(opts);
  const { isGlobal: _isGlobal, gate: given, ...defaults } = rest;
  // The defaults as a route would take them: core names a bad one, and a gate combined with gate options.
  const conflicting = given !== undefined && Object.keys(gateOptions).length > 0 ? gateOptions : {};
  createGuard({ ...defaults, ...conflicting, gate: given ?? PROBE_GATE } as NestRequireAccessOptions, () => undefined);
  const frozen = Object.freeze(defaults);
  if (given !== undefined) return { gate: given as AccessGate, ownsGate: false, defaults: frozen, isGlobal };
  const logger = defaults.logger === undefined ? {} : { logger: defaults.logger };
  return { gate: createAccessGate({ ...gateOptions, ...logger } as AccessGateOptions), ownsGate: true, defaults: frozen, isGlobal };
}
