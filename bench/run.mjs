// `npm run bench`: builds stale packages, runs every benchmark, prints the table and writes docs/benchmarks.md.
// `--smoke` (CI): tiny sizes, every benchmark exercised, nothing written, timings never asserted.
// `--only=2,6`: a subset, for working on one benchmark (the doc is not written either).
// `--peers`: also benchmark 7, the peers' SDKs side by side; installs them into bench/peers/ first (never done by
// `npm ci` or CI). A run without it keeps the peers section already in docs/benchmarks.md.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { buildStale } from '../scripts/build-stale.mjs';

const args = process.argv.slice(2);
const smoke = args.includes('--smoke');
const peers = args.includes('--peers');
const only = args.find((arg) => arg.startsWith('--only='))?.slice('--only='.length).split(',').map(Number);
const unknown = args.filter((arg) => arg !== '--smoke' && arg !== '--peers' && !arg.startsWith('--only='));
if (unknown.length > 0) {
  console.error(`unknown argument(s): ${unknown.join(' ')}\nusage: npm run bench [-- --smoke] [-- --only=1,2,...] [-- --peers]`);
  process.exit(2);
}
if (!buildStale()) process.exit(1);
if (peers) {
  // The peers' SDKs: a folder of its own, outside the workspaces, installed only here.
  const prefix = new URL('./peers/', import.meta.url).pathname;
  console.log('installing the peers\' SDKs into bench/peers/ …');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  execFileSync(npm, ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--loglevel=error'], { stdio: 'inherit' });
}

// Imported after the build: the benchmarks import the built packages.
const { startChild } = await import('./lib/child.mjs');
const { machine, markdown, textTable } = await import('./lib/report.mjs');

// Run order: quiet in-process measurements first, HTTP load last. Benchmark 1 uses benchmark 2's adapter costs.
const BENCHMARKS = [
  { number: 2, module: './core-hit-path.mjs', title: 'Core hit path' },
  { number: 6, module: './memory.mjs', title: 'Memory' },
  { number: 3, module: './miss-path.mjs', title: 'Miss path' },
  { number: 4, module: './coalescing.mjs', title: 'Coalescing' },
  { number: 1, module: './cache-hit-overhead.mjs', title: 'Cache-hit overhead per framework' },
  { number: 5, module: './naive-gate.mjs', title: 'Against the naive gate' },
  { number: 7, module: './multi-instance.mjs', title: 'Many instances on one Redis' },
  { number: 8, module: './metered.mjs', title: 'Metered route vs access-checked route' },
  ...(peers ? [{ number: 9, module: './peers.mjs', title: 'Peers' }] : []),
];

const info = machine();
const started = performance.now();
const date = new Date().toISOString();
console.log(`licenzy-gate benchmarks${smoke ? ' (smoke: tiny sizes, figures not meaningful)' : ''}`);
console.log(`${info.cpu}, ${info.cores} cores, ${info.memory}; Node ${info.node}; load ${info.load}\n`);

const mock = await startChild('mock', {});
const outcomes = new Map();
let crashed = false;
try {
  for (const bench of BENCHMARKS) {
    if (only !== undefined && !only.includes(bench.number)) continue;
    const t0 = performance.now();
    console.log(`${bench.number}. ${bench.title} …`);
    try {
      const { run } = await import(bench.module);
      await mock.call('setLatency', 0);
      const outcome = await run({ smoke, mock, log: console.log, results: outcomes });
      outcomes.set(bench.number, outcome);
      console.log(`   (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    } catch (error) {
      crashed = true;
      console.error(`   CRASHED: ${error instanceof Error ? error.stack : String(error)}`);
      outcomes.set(bench.number, {
        rows: [{ benchmark: `${bench.number}. ${bench.title}`, figure: 'crashed', target: '—', status: 'CRASHED' }],
        markdown: `## ${bench.number}. ${bench.title}\n\nCrashed: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  }
} finally {
  await mock.stop();
}

const ordered = [...outcomes.entries()].sort(([a], [b]) => a - b).map(([, outcome]) => outcome);
const rows = ordered.flatMap((o) => o.rows);
const seconds = (performance.now() - started) / 1000;
console.log(`\n${textTable(rows)}\n`);
console.log(`${rows.filter((r) => r.status === 'met').length} met, ${rows.filter((r) => r.status === 'MISSED').length} missed, ${rows.filter((r) => r.status === 'info').length} informational; ${seconds.toFixed(0)} s`);

if (smoke) {
  console.log('smoke run: figures are not meaningful and docs/benchmarks.md was not written');
} else if (only !== undefined) {
  console.log('partial run (--only): docs/benchmarks.md was not written');
} else if (!crashed) {
  const notes = ordered.flatMap((o) => o.notes ?? []);
  const docUrl = new URL('../docs/benchmarks.md', import.meta.url);
  const sections = ordered.map((o) => o.markdown);
  if (!peers) {
    // Keep the peers' table from the last `--peers` run (this run did not measure them), marked as such.
    const kept = existsSync(docUrl) ? keptPeersSection(readFileSync(docUrl, 'utf8')) : undefined;
    if (kept !== undefined) sections.push(kept);
  }
  const doc = markdown({ rows, sections, info, command: peers ? 'npm run bench -- --peers' : 'npm run bench', date, seconds, notes });
  writeFileSync(docUrl, doc);
  console.log('wrote docs/benchmarks.md');
}
process.exit(crashed ? 1 : 0);

/** The `## 9. Peers` section of an earlier doc, with a line saying when it was measured. */
function keptPeersSection(doc) {
  const start = doc.indexOf('\n## 9. Peers');
  if (start === -1) return undefined;
  const end = doc.indexOf('\n## ', start + 1);
  let section = doc.slice(start + 1, end === -1 ? undefined : end).trimEnd();
  const previousDate = /^- \*\*Date:\*\* (.*)$/m.exec(doc)?.[1];
  const keptNote = '_Kept from an earlier `npm run bench -- --peers` run';
  if (!section.includes(keptNote)) section = section.replace('## 9. Peers\n', `## 9. Peers\n\n${keptNote}${previousDate === undefined ? '' : ` (${previousDate})`}; this run did not measure the peers._\n`);
  return section;
}
