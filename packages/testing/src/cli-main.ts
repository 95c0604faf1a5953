// The licenzy-gate command: `routes <module>` prints an app's route table, `--check <file>` applies the coverage ratchet.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { RouteInventoryEntry } from '@licenzy-gate/core/adapter';
import { checkRouteCoverage, formatRouteCoverage, type RouteCoverageRules } from './expect-gated.js';

/** Where the command writes, and the folder relative paths start from. */
export interface GateCliIo {
  /** Default `process.stdout`. */
  stdout?: { write(text: string): unknown };
  /** Default `process.stderr`. */
  stderr?: { write(text: string): unknown };
  /** Default `process.cwd()`. */
  cwd?: string;
}

export const GATE_CLI_USAGE = `Usage: licenzy-gate routes <module> [--check <file>] [--json]

Lists the routes of the app a module exports (its default export: the app, or a function returning it, sync or async)
with the licenzy-gate gate on each: access, usage, none, or unknown (never counted as gated).
Express 4/5, Koa 2/3 with @koa/router, Fastify 5; the app's adapter package (@licenzy-gate/express, /koa, /fastify)
must be installed next to it.
  --check <file>  apply the coverage ratchet of expectGated from a JSON file { "paid": [...], "free": [...] }:
                  exit 1 naming every paid route without a gate, every unclassified route, every stale pattern
  --json          print the rows as JSON instead of a table
  --help          show this text
Exit codes: 0 fine, 1 the check failed, 2 a usage error (bad arguments, module or check file).`;

/** A usage error: the message is printed with the usage, and the command exits 2. */
class UsageError extends Error {}

type Framework = 'express' | 'koa' | 'fastify';

/** Express: a function with `handle` and `set`; Koa: a `middleware` array; Fastify: `printRoutes`. */
function frameworkOf(app: unknown): Framework | undefined {
  if (typeof app === 'function' && typeof (app as { handle?: unknown }).handle === 'function' && typeof (app as { set?: unknown }).set === 'function') return 'express';
  if (typeof app !== 'object' || app === null) return undefined;
  if (typeof (app as { printRoutes?: unknown }).printRoutes === 'function') return 'fastify';
  if (Array.isArray((app as { middleware?: unknown }).middleware)) return 'koa';
  return undefined;
}

/** ESM import from CommonJS output: TypeScript would turn a plain `import()` into `require()`, which cannot load ESM. */
const importModule = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<{ default?: unknown }>;

type ListRoutes = (app: unknown) => RouteInventoryEntry[];

/** The adapter's `listRoutes`, from the app's own node_modules. */
function adapterFor(framework: Framework, modulePath: string): ListRoutes {
  const name = `@licenzy-gate/${framework}`;
  let adapter: { listRoutes?: unknown };
  try {
    adapter = createRequire(modulePath)(name) as { listRoutes?: unknown };
  } catch (error) {
    throw new UsageError(`the app is a ${framework} app, but ${name} could not be loaded from ${modulePath} (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); install it next to the app`);
  }
  if (typeof adapter.listRoutes !== 'function') throw new UsageError(`${name} has no listRoutes(): update it`);
  return adapter.listRoutes as ListRoutes;
}

async function loadApp(modulePath: string): Promise<unknown> {
  // Fastify routes are recorded from the app's creation: load the adapter first, where it is installed.
  try {
    createRequire(modulePath)('@licenzy-gate/fastify');
  } catch {
    // Not a Fastify app, or no adapter: detected below.
  }
  let loaded: { default?: unknown };
  try {
    loaded = await importModule(pathToFileURL(modulePath).href);
  } catch (error) {
    throw new UsageError(`cannot load ${modulePath}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const exported = loaded.default;
  if (exported === undefined) throw new UsageError(`${modulePath} has no default export (the app, or a function returning it)`);
  return frameworkOf(exported) === undefined && typeof exported === 'function' ? await (exported as () => unknown)() : exported;
}

function readRules(file: string): RouteCoverageRules {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read the check file ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const { paid, free } = (parsed ?? {}) as { paid?: unknown; free?: unknown };
  const patterns = (list: unknown) => list === undefined || (Array.isArray(list) && list.every((item) => typeof item === 'string'));
  if (typeof parsed !== 'object' || !Array.isArray(paid) || !patterns(paid) || !patterns(free)) {
    throw new UsageError(`the check file ${file} must be { "paid": ["GET /pro/*", ...], "free": [...] } (arrays of patterns)`);
  }
  return { paid: paid as string[], ...(free !== undefined ? { free: free as string[] } : {}) };
}

/** The rows as an aligned text table. */
export function formatRouteTable(rows: readonly RouteInventoryEntry[]): string {
  const cells = rows.map((row) => [row.method, row.path, String(row.gate ?? '-'), row.gate === null || row.gate === 'unknown' ? '' : String(row.reportOnly), row.via ?? '', row.note ?? '']);
  const header = ['METHOD', 'PATH', 'GATE', 'REPORT-ONLY', 'VIA', 'NOTE'];
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((line) => (line[column] ?? '').length)));
  return [header, ...cells].map((line) => line.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd()).join('\n');
}

async function routesCommand(args: string[], io: Required<GateCliIo>): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { check: { type: 'string' }, json: { type: 'boolean' } } });
  if (positionals.length !== 1) throw new UsageError('routes takes one module');
  const modulePath = resolve(io.cwd, positionals[0] ?? '');
  const rules = values.check === undefined ? undefined : readRules(resolve(io.cwd, values.check));
  const app = await loadApp(modulePath);
  const framework = frameworkOf(app);
  if (framework === undefined) throw new UsageError(`${modulePath}: the default export is not an Express, Koa or Fastify app (nor a function returning one)`);
  const listRoutes = adapterFor(framework, modulePath);
  if (framework === 'fastify') await (app as { ready(): Promise<unknown> }).ready();
  try {
    const rows = listRoutes(app);
    io.stdout.write(`${values.json === true ? JSON.stringify(rows, null, 2) : formatRouteTable(rows)}\n`);
    if (rules === undefined) return 0;
    const report = checkRouteCoverage(rows, rules);
    (report.ok ? io.stdout : io.stderr).write(`${formatRouteCoverage(report)}\n`);
    return report.ok ? 0 : 1;
  } finally {
    if (framework === 'fastify') await (app as { close(): Promise<unknown> }).close();
  }
}

/**
 * Runs the `licenzy-gate` command with `argv` (without node and the script) and resolves to its exit code: 0, 1 when
 * `--check` found problems, 2 on a usage error.
 *
 * @example
 * process.exitCode = await runGateCli(['routes', './app.js', '--check', 'routes.json'])
 */
export async function runGateCli(argv: readonly string[], io: GateCliIo = {}): Promise<number> {
  const out: Required<GateCliIo> = { stdout: io.stdout ?? process.stdout, stderr: io.stderr ?? process.stderr, cwd: io.cwd ?? process.cwd() };
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    out.stdout.write(`${GATE_CLI_USAGE}\n`);
    return 0;
  }
  try {
    if (command !== 'routes') throw new UsageError(command === undefined ? 'a command is required' : `unknown command ${JSON.stringify(command)}`);
    if (rest.includes('--help')) {
      out.stdout.write(`${GATE_CLI_USAGE}\n`);
      return 0;
    }
    return await routesCommand(rest, out);
  } catch (error) {
    const usage = error instanceof UsageError || (error as { code?: unknown }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || (error as { code?: unknown }).code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE';
    if (!usage) throw error;
    out.stderr.write(`licenzy-gate: ${(error as Error).message}\n\n${GATE_CLI_USAGE}\n`);
    return 2;
  }
}
