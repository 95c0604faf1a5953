// The ratchet over listRoutes() rows: ungated paid routes, unclassified routes and stale patterns each fail it.
import { describe, expect, it } from 'vitest';
import { checkRouteCoverage, expectGated, formatRouteCoverage, type RouteInventoryEntry } from '../src/index.js';

const row = (method: string, path: string, gate: RouteInventoryEntry['gate'], extra: Partial<RouteInventoryEntry> = {}): RouteInventoryEntry => ({
  method,
  path,
  gate,
  reportOnly: false,
  via: gate === null ? null : 'app',
  ...extra,
});

const routes = [
  row('GET', '/pro/report', 'access'),
  row('POST', '/api/reports', 'usage', { via: 'route' }),
  row('GET', '/health', null),
  row('POST', '/webhooks/licenzy', null, { via: 'opt-out' }),
];
const rules = { paid: ['/pro/**', 'POST /api/reports'], free: ['GET /health', 'POST /webhooks/*'] };

describe('expectGated', () => {
  it('passes when every paid route is gated, every route classified, every pattern used', async () => {
    await expect(expectGated(routes, rules)).resolves.toBeUndefined();
    await expect(expectGated(() => Promise.resolve(routes), rules)).resolves.toBeUndefined();
    expect(checkRouteCoverage(routes, rules).paid.map((route) => route.path)).toEqual(['/pro/report', '/api/reports']);
  });

  it('fails on a new route no pattern names', async () => {
    await expect(expectGated([...routes, row('GET', '/pro2/export', null)], rules)).rejects.toThrow(
      /routes in neither list \(classify each as paid or free\):\n {4}GET \/pro2\/export \(gate: null\)/,
    );
  });

  it('fails on a stale pattern', async () => {
    await expect(expectGated(routes, { ...rules, free: [...rules.free, 'GET /old'] })).rejects.toThrow(/patterns that name no route \(remove or fix them\):\n {4}free: 'GET \/old'/);
  });

  it('fails on a paid route without a gate, and on one whose gate is unknown (unknown is not gated)', async () => {
    const leaky = [...routes, row('GET', '/pro/export', null), row('GET', '/pro/legacy', 'unknown', { note: 'mounted on /^\\/pro/' })];
    const error = await expectGated(leaky, rules).then(() => undefined, (thrown: unknown) => thrown as Error);
    expect(error?.message).toContain("GET /pro/export: no gate (paid by '/pro/**')");
    expect(error?.message).toContain("GET /pro/legacy: gate unknown: mounted on /^\\/pro/ (paid by '/pro/**')");
  });

  it('lists every problem at once, grouped', () => {
    const report = checkRouteCoverage([row('GET', '/pro/x', null), row('GET', '/new', null)], { paid: ['/pro/**'], free: ['/gone'] });
    expect(report.ok).toBe(false);
    expect(formatRouteCoverage(report).split('\n')).toEqual([
      'route coverage: 3 problems',
      '  paid routes without a gate:',
      "    GET /pro/x: no gate (paid by '/pro/**')",
      '  routes in neither list (classify each as paid or free):',
      '    GET /new (gate: null)',
      '  patterns that name no route (remove or fix them):',
      "    free: '/gone'",
    ]);
  });

  it('a probe needs somewhere to send requests', async () => {
    await expect(expectGated(routes, { ...rules, probe: true })).rejects.toThrow(/needs `url`/);
  });
});
