// `npm run bench`: builds stale packages, runs every benchmark, prints the table and writes docs/benchmarks.md.
// `--smoke` (CI): tiny sizes, every benchmark exercised, nothing written, timings never asserted.
// `--only=2,6`: a subset, for working on one benchmark (the doc is not written either).
import { writeFileSync } from 'node:fs';
import { buildStale } from '../scripts/build-stale.mjs';

const args = process.argv.slice(2);
const smoke = args.includes('--smoke');
const only = args.find((arg) => arg.startsWith('--only='))?.slice('--only='.length).split(',').map(Number);
const unknown = args.filter((arg) => arg !== '--smoke' && !arg.startsWith('--only='));
if (unknown.length > 0) {
  console.error(`unknown argument(s): ${unknown.join(' ')}\nusage: npm run bench [-- --smoke] [-- --only=1,2,...]`);
  process.exit(2);
}
if (!buildStale()) process.exit(1);

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
  const doc = markdown({ rows, sections: ordered.map((o) => o.markdown), info, command: 'npm run bench', date, seconds, notes });
  writeFileSync(new URL('../docs/benchmarks.md', import.meta.url), doc);
  console.log('wrote docs/benchmarks.md');
}
process.exit(crashed ? 1 : 0);
