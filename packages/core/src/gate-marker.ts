// The mark every gate middleware carries (what kind, report-only or not), and the route inventory's shared vocabulary.

/** The property key of the mark: a registered symbol, so every copy of the package (CJS and ESM, two versions) reads it. */
export const GATE_MARK = Symbol.for('licenzy-gate.gate');

/** What a gate refuses on: an access check (`requireAccess`) or a usage charge (`requireUsage`). */
export type GateKind = 'access' | 'usage';

/** Whether a gate only reports: `true`, `false`, or `'per-request'` when a function of the request decides. */
export type ReportOnlyMode = boolean | 'per-request';

/** The mark of one gate middleware, read by the adapters' `listRoutes()`. */
export interface GateMark {
  readonly kind: GateKind;
  readonly reportOnly: ReportOnlyMode;
}

/** How `reportOnly` was given in options: a function decides per request; only `true` itself is report-only. */
function reportOnlyMode(sources: readonly unknown[]): ReportOnlyMode {
  for (const source of sources) {
    const value: unknown = typeof source === 'object' && source !== null ? (source as { reportOnly?: unknown }).reportOnly : undefined;
    if (value === undefined) continue;
    return typeof value === 'function' ? 'per-request' : value === true;
  }
  return false;
}

/**
 * Marks `fn` as a licenzy-gate gate, once, where the factory creates it: a frozen, non-enumerable, symbol-keyed
 * property. Nothing runs per request. `reportOnly` is read from the first of `optionSources` that sets it.
 *
 * @example
 * return markGate(function licenzyRequireAccess(req, res, next) { … }, 'access', options)
 */
export function markGate<F extends object>(fn: F, kind: GateKind, ...optionSources: unknown[]): F {
  const mark: GateMark = Object.freeze({ kind, reportOnly: reportOnlyMode(optionSources) });
  Object.defineProperty(fn, GATE_MARK, { value: mark, enumerable: false, configurable: false, writable: false });
  return fn;
}

/**
 * The mark `fn` carries, or `undefined` for anything that is not one of our gates (recognised by the mark only,
 * never by a function's name).
 *
 * @example
 * gateMarkOf(requireAccess({ gate })) // { kind: 'access', reportOnly: false }
 */
export function gateMarkOf(fn: unknown): GateMark | undefined {
  if ((typeof fn !== 'function' && typeof fn !== 'object') || fn === null) return undefined;
  const mark: unknown = (fn as { [GATE_MARK]?: unknown })[GATE_MARK];
  if (typeof mark !== 'object' || mark === null) return undefined;
  const { kind, reportOnly } = mark as Partial<GateMark>;
  if ((kind !== 'access' && kind !== 'usage') || (reportOnly !== true && reportOnly !== false && reportOnly !== 'per-request')) return undefined;
  return { kind, reportOnly };
}

/**
 * How a gate applies to a route: `'route'` (in the route's own handlers), `'router'` (a router's middleware),
 * `'app'` (the app's middleware), `'global'` (the Fastify plugin's global mode), `'mount'` (a sub-app or a
 * middleware mounted at a path, whose inside cannot be listed), `'opt-out'` (the route opted out of a global
 * gate), or `null` when nothing applies.
 */
export type RouteGateVia = 'route' | 'router' | 'app' | 'global' | 'mount' | 'opt-out' | null;

/** One row of an adapter's `listRoutes(app)`. */
export interface RouteInventoryEntry {
  /** `'GET'`, `'POST'`, …, or `'*'` for every method (`app.all`, a mounted sub-app). */
  readonly method: string;
  /** The full path as declared (prefixes and mount paths joined), e.g. `'/pro/reports/:id'`. */
  readonly path: string;
  /**
   * The gate that certainly runs before the handler, `null` when none can, `'unknown'` when the framework cannot
   * tell (a gate on a regex mount, a mount path that cannot be recovered, a sub-app). `'unknown'` is never gated.
   */
  readonly gate: GateKind | null | 'unknown';
  /** The reported gate's `reportOnly`; `false` when `gate` is `null` or `'unknown'`. */
  readonly reportOnly: ReportOnlyMode;
  readonly via: RouteGateVia;
  /** Why the gate is `'unknown'` (or the path inexact), in words. */
  readonly note?: string;
}
