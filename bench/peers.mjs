// Benchmark 7 (`npm run bench -- --peers`): a cached check in the peers' SDKs against ours, in one process.
import { startChild } from './lib/child.mjs';
import { fmt, median, verdict } from './lib/stats.mjs';

const TARGET = 30;
const PEEK = 'licenzy-gate gate.peek()';
const CHECK = 'licenzy-gate await gate.check()';

export async function run({ smoke, log }) {
  const rounds = smoke ? 2 : 9;
  const iterations = smoke ? 20_000 : 2_000_000;
  const child = await startChild('peers/child.mjs', { rounds, iterations });
  await child.stop();
  const { timings, sizes, notes, cachedChecks, skipped, refused, stubCalls, versions } = child.info;
  if (refused.length > 0) throw new Error(`an SDK tried to reach ${refused.join(', ')}: only loopback is allowed`);
  const results = Object.entries(timings).map(([name, list]) => ({ name, ns: median(list), min: Math.min(...list), max: Math.max(...list), n: sizes[name], note: notes[name] }));
  const byName = Object.fromEntries(results.map((r) => [r.name, r]));
  // Only peers measured on a real cached check compete for "fastest" (an offline fallback does no lookup at all).
  const peers = results.filter((r) => !r.name.startsWith('licenzy-gate') && cachedChecks[r.name]);
  const fastest = peers.reduce((a, b) => (b.ns < a.ns ? b : a));
  const peek = byName[PEEK];
  const check = byName[CHECK];
  const times = fastest.ns / peek.ns;
  for (const r of results) log(`  ${r.name}: ${fmt.ns(r.ns)} (${r.min.toFixed(1)}–${r.max.toFixed(1)})`);
  log(`  fastest peer ${fastest.name} ${fmt.ns(fastest.ns)} = ${times.toFixed(1)}x our peek(); ${(fastest.ns / check.ns).toFixed(1)}x our await check()`);

  const rows = [{
    benchmark: '9. Peers, cached check (fastest peer / our gate.peek())',
    figure: `${times.toFixed(1)}x (${fastest.name} ${fmt.ns(fastest.ns)} vs ${fmt.ns(peek.ns)}); vs await gate.check() ${fmt.ns(check.ns)}: ${(fastest.ns / check.ns).toFixed(1)}x`,
    target: `>= ${TARGET}x`,
    status: verdict(times >= TARGET),
  }];
  const version = (name) => {
    const pkg = { Schematic: '@schematichq/schematic-typescript-node', Stigg: '@stigg/node-server-sdk', LaunchDarkly: '@launchdarkly/node-server-sdk', Unleash: 'unleash-client', OpenFeature: '@openfeature/server-sdk' }[name.split(' ')[0]];
    return pkg === undefined ? '' : `\`${pkg}\` ${versions[pkg]}`;
  };
  const lines = [
    '## 9. Peers',
    '',
    `\`npm run bench -- --peers\` only (the SDKs live in \`bench/peers/\`, a folder outside the workspaces with its own lockfile, installed by that command alone: \`npm ci\` and CI never fetch them). One process, nothing else on its event loop: each SDK is set up once and makes one check, which fills its cache from a stub on 127.0.0.1 (or from local data), then the same check is timed in a loop (awaited where the API returns a Promise). Every timing lasts about 20 ms (the iteration count is sized per path after a warm-up); ${rounds} rounds with the order rotated, medians. The child refuses any connection or name lookup other than loopback; none was attempted. Stub calls made: ${Object.entries(stubCalls).map(([k, v]) => `\`${k}\` ×${v}`).join(', ') || 'none'}.`,
    '',
    '| Check | Package | How it is served | ns/op (median) | min–max | × our peek() |',
    '|---|---|---|---:|---:|---:|',
    ...results.map((r) => `| ${r.name} | ${version(r.name)} | ${r.note} | ${fmt.ns(r.ns)} | ${r.min.toFixed(1)}–${r.max.toFixed(1)} | ${(r.ns / peek.ns).toFixed(1)} |`),
    '',
    `Fastest peer on a cached check: **${fastest.name}**, ${fmt.ns(fastest.ns)} per cached check = **${times.toFixed(1)}×** our \`gate.peek()\` (target ≥ ${TARGET}×: ${verdict(times >= TARGET)}) and ${(fastest.ns / check.ns).toFixed(1)}× our \`await gate.check()\`.`,
    ...(Object.keys(skipped).length > 0 ? ['', `Left out (failed to set up offline): ${Object.entries(skipped).map(([k, v]) => `${k}: ${v}`).join('; ')}.`] : []),
  ];
  return { rows, markdown: lines.join('\n'), results };
}
