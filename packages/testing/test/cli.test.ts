// The licenzy-gate bin, spawned as users run it on example modules: the table, --check's exit codes 0 and 1, and 2
// on usage errors. Loads the BUILT packages (run `npm run build` first; `npm test` does).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../bin/licenzy-gate.mjs', import.meta.url));
const fixtures = fileURLToPath(new URL('./fixtures/cli/', import.meta.url));

function run(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, ...args], { cwd: fixtures, encoding: 'utf8', timeout: 20_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('licenzy-gate routes', () => {
  it('prints the route table of an Express app (exit 0)', () => {
    const { code, stdout } = run('routes', 'express-app.mjs');
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n').map((line) => line.replace(/\s+/g, ' '));
    expect(lines).toEqual(['METHOD PATH GATE REPORT-ONLY VIA NOTE', 'GET /pro/report access false app', 'GET /health -', 'GET /admin/export -']);
  });

  it.each([
    ['koa-app.mjs', ['GET /health - ', 'GET /pro/report access false app']],
    ['fastify-app.mjs', ['GET /pro/report access false global', 'GET /health - ']],
  ])('reads %s (a function returning the app, sync or async)', (module, expected) => {
    const { code, stdout } = run('routes', module, '--json');
    expect(code).toBe(0);
    const rows = JSON.parse(stdout) as { method: string; path: string; gate: string | null; reportOnly: boolean; via: string | null }[];
    expect(rows.map((row) => `${row.method} ${row.path} ${row.gate ?? '-'} ${row.gate ? `${String(row.reportOnly)} ${String(row.via)}` : ''}`)).toEqual(expected);
  });

  it('--check passes with every route classified and every paid one gated (exit 0)', () => {
    const { code, stdout } = run('routes', 'express-app.mjs', '--check', 'rules-pass.json');
    expect(code).toBe(0);
    expect(stdout).toContain('every paid route is gated');
  });

  it('--check fails naming the ungated paid route and the stale pattern (exit 1)', () => {
    const { code, stderr } = run('routes', 'express-app.mjs', '--check', 'rules-fail.json');
    expect(code).toBe(1);
    expect(stderr).toContain("GET /admin/export: no gate (paid by '/admin/**')");
    expect(stderr).toContain("paid: 'GET /old/*'");
  });

  it.each([
    ['no module', ['routes']],
    ['an unknown command', ['list', 'express-app.mjs']],
    ['an unknown flag', ['routes', 'express-app.mjs', '--chek', 'x.json']],
    ['a module that is not an app', ['routes', 'not-an-app.mjs']],
    ['a missing module', ['routes', 'missing.mjs']],
    ['a missing check file', ['routes', 'express-app.mjs', '--check', 'missing.json']],
    ['a check file of the wrong shape', ['routes', 'express-app.mjs', '--check', '../../../package.json']],
  ])('exits 2 with the usage on %s', (_name, args) => {
    const { code, stderr } = run(...args);
    expect(code).toBe(2);
    expect(stderr).toContain('Usage: licenzy-gate routes <module>');
  });

  it('--help prints the usage (exit 0)', () => {
    const { code, stdout } = run('--help');
    expect(code).toBe(0);
    expect(stdout).toContain('Exit codes: 0 fine, 1 the check failed, 2 a usage error');
  });
});
