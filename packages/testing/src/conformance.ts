// The one conformance mechanism: every published case list as a named suite, and runConformance to run them on an app.
import { conformanceCases } from './conformance-cases.js';
import { meteredConformanceCases } from './conformance-metered.js';
import { refusalConformanceCases, resolverConformanceCases, usageConformanceCases } from './conformance-route-cases.js';
import { statusConformanceCases } from './conformance-status.js';
import type { ConformanceCase, ConformanceResult, ConformanceTarget } from './conformance-target.js';

/**
 * Every published case list, by suite name. What each needs from the target:
 * - `access` ({@link conformanceCases}): the routes of {@link ConformanceTarget} (`/free`, `/pro`, `/pro/other`,
 *   `/pro/fresh`, `/pro/open`, `/misconfigured`);
 * - `resolver` ({@link resolverConformanceCases}): `GET /resolver/{async,numeric,object,throws,rejects}`;
 * - `refusal` ({@link refusalConformanceCases}): `GET /refusal/hook`, `GET /refusal/delegate`;
 * - `usage` ({@link usageConformanceCases}): `POST /metered`, `POST /metered/by-header`, `POST /metered/bad-units`;
 * - `metered` ({@link meteredConformanceCases}): `target.mountMetered(gate, routes)`;
 * - `status` ({@link statusConformanceCases}): `target.mountStatus(gate, { wait, retryAfter })`.
 * @example
 * for (const [suite, cases] of Object.entries(conformanceSuites)) describe(suite, () => { for (const c of cases) it(c.name, () => c.fn(target)) })
 */
export const conformanceSuites = {
  access: conformanceCases,
  resolver: resolverConformanceCases,
  refusal: refusalConformanceCases,
  usage: usageConformanceCases,
  metered: meteredConformanceCases,
  status: statusConformanceCases,
} as const satisfies Record<string, readonly ConformanceCase[]>;

/** The name of one suite of {@link conformanceSuites}. */
export type ConformanceSuiteName = keyof typeof conformanceSuites;

/** Options of {@link runConformance}. */
export interface RunConformanceOptions {
  /**
   * The suites to run, in this order. Default: every suite of {@link conformanceSuites}. A suite whose routes the
   * target does not serve fails (it is never skipped silently): leave it out here, explicitly.
   */
  suites?: readonly ConformanceSuiteName[];
}

/**
 * Runs every case of the chosen suites (default: all of them) in order against `target` and reports each, with the
 * suite it belongs to; never throws for a failing case.
 *
 * @example
 * const results = await runConformance({ url, mock: licenzy.mock, invalidate: (s) => gate.invalidate(s), handlerCalls, mountMetered, mountStatus })
 * console.table(results.filter((result) => !result.ok))
 * // an app without the harness routes says so explicitly:
 * await runConformance(target, { suites: ['access', 'resolver', 'refusal', 'usage'] })
 */
export async function runConformance(target: ConformanceTarget, options: RunConformanceOptions = {}): Promise<ConformanceResult[]> {
  const suites = options.suites ?? (Object.keys(conformanceSuites) as ConformanceSuiteName[]);
  const results: ConformanceResult[] = [];
  for (const suite of suites) {
    const cases: readonly ConformanceCase[] | undefined = conformanceSuites[suite];
    if (cases === undefined) throw new TypeError(`runConformance: unknown suite ${JSON.stringify(suite)}; known: ${Object.keys(conformanceSuites).join(', ')}`);
    for (const testCase of cases) {
      try {
        await testCase.fn(target);
        results.push({ suite, id: testCase.id, name: testCase.name, ok: true });
      } catch (error) {
        results.push({ suite, id: testCase.id, name: testCase.name, ok: false, error: error instanceof Error ? error.message : String(error) });
      }
    }
  }
  return results;
}
