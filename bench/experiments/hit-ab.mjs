// Ad-hoc (issue 18): the cache-hit paths of several builds side by side in one process, with an A/A control.
// `node bench/experiments/hit-ab.mjs [rounds]` loads three builds of core + the Express adapter, each a module
// instance of its own: `base` and `base-aa` (the same files copied twice: the A/A) and `now` (the workspace's
// packages/{core,express}/dist, copied in at start). Folders: bench/experiments/builds/<name>/node_modules/@licenzy-gate.
// Rows: gate.peek() and Express requireAccess() called directly (as benchmark 2 does), gate.peek() over a full cache
// of 100,000 subjects read in a scattered order (each hit relinks its entry), tight loops in interleaved rounds
// (order rotated), and gate.peek() paced (one call per macrotask, as benchmark 2's paced section). Reports the median
// of per-round ratios now/base beside base-aa/base: a now/base inside the A/A's spread is "no difference measured".
// `--no-copy`: keep builds/now as it is (e.g. a build of one commit from a clean export, while other work in the
// checkout would otherwise ride along in packages/*/dist).
import { cpSync, existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { SUBJECT, medianOf, pacedRounds, stub } from './paced-harness.mjs';

const builds = ['base', 'base-aa', 'now'];
const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const args = process.argv.slice(2);
const rounds = Number(args.find((arg) => !arg.startsWith('--')) ?? 15);
for (const pkg of args.includes('--no-copy') ? [] : ['core', 'express']) {
  const target = here(`./builds/now/node_modules/@licenzy-gate/${pkg}`);
  rmSync(target, { recursive: true, force: true });
  cpSync(here(`../../packages/${pkg}/dist`), `${target}/dist`, { recursive: true });
  cpSync(here(`../../packages/${pkg}/package.json`), `${target}/package.json`);
}
for (const build of builds) {
  if (!existsSync(here(`./builds/${build}/node_modules/@licenzy-gate/core/package.json`))) throw new Error(`hit-ab: build ${build} is missing`);
}

let sink = 0;
const request = { user: { id: SUBJECT } };
const next = () => void sink++;
const tight = {};
const paced = { empty: () => 1 };
// Many subjects (issue 25): a full cache of SPREAD subjects read in a scattered order, so each hit moves its entry to
// the most recent end and reads memory that is not in the CPU caches, as a busy service's hits do.
const SPREAD = 100_000;
const spreadSubjects = Array.from({ length: SPREAD }, (_, i) => ['user_', String(i).padStart(8, '0')].join(''));
const order = Uint32Array.from({ length: SPREAD }, (_, i) => (i * 7_919) % SPREAD);
for (const build of builds) {
  const load = createRequire(here(`./builds/${build}/index.js`));
  const core = load('@licenzy-gate/core');
  const { requireAccess } = load('@licenzy-gate/express');
  const gate = core.createAccessGate({ client: stub, cache: { ttl: 3_600_000 }, logger: { warn() {}, error() {} } });
  await gate.check(SUBJECT);
  const middleware = requireAccess({ gate, subject: (req) => req.user.id });
  tight[`${build}: gate.peek()`] = (n) => {
    for (let i = 0; i < n; i++) if (gate.peek(SUBJECT) !== undefined) sink++;
  };
  tight[`${build}: Express requireAccess()`] = (n) => {
    for (let i = 0; i < n; i++) middleware({ user: request.user }, {}, next);
  };
  paced[`${build}: gate.peek() paced`] = () => gate.peek(SUBJECT);
  const wide = core.createAccessGate({ client: stub, cache: { ttl: 3_600_000, max: SPREAD }, logger: { warn() {}, error() {} } });
  for (let i = 0; i < SPREAD; i += 1000) await Promise.all(spreadSubjects.slice(i, i + 1000).map((s) => wide.check(s)));
  tight[`${build}: gate.peek(), ${SPREAD / 1000}k subjects`] = (n) => {
    for (let i = 0; i < n; i++) if (wide.peek(spreadSubjects[order[i % SPREAD]]) !== undefined) sink++;
  };
}

const N = 1_000_000;
const names = Object.keys(tight);
const timings = Object.fromEntries(names.map((name) => [name, []]));
for (const fn of Object.values(tight)) fn(N);
for (let round = 0; round < rounds; round++) {
  for (let k = 0; k < names.length; k++) {
    const name = names[(round + k) % names.length];
    const start = process.hrtime.bigint();
    tight[name](N);
    timings[name].push(Number(process.hrtime.bigint() - start) / N);
  }
}
const { res } = await pacedRounds(paced, { rounds: Math.max(3, Math.ceil(rounds / 2)), calls: 2000 });
const empty = res.empty;
for (const build of builds) timings[`${build}: gate.peek() paced`] = res[`${build}: gate.peek() paced`].map((x, i) => x - empty[i]);

const ratio = (a, b) => medianOf(timings[a].map((x, i) => x / timings[b][i]));
const spread = (a, b) => {
  const list = timings[a].map((x, i) => x / timings[b][i]).sort((x, y) => x - y);
  return `${list[0].toFixed(3)}–${list[list.length - 1].toFixed(3)}`;
};
console.log(`hit-ab: ${rounds} rounds x ${N} calls (tight), paced ${res.empty.length} rounds x 2000 calls; sink ${sink}`);
console.log('path'.padEnd(30), 'base ns', ' base-aa ns', '  now ns', ' | now/base (rounds)', '            | A/A base-aa/base (rounds)');
for (const path of ['gate.peek()', 'Express requireAccess()', `gate.peek(), ${SPREAD / 1000}k subjects`, 'gate.peek() paced']) {
  const ns = builds.map((build) => medianOf(timings[`${build}: ${path}`]).toFixed(2).padStart(8));
  const nowVsBase = ratio(`now: ${path}`, `base: ${path}`);
  const aa = ratio(`base-aa: ${path}`, `base: ${path}`);
  console.log(path.padEnd(30), ns.join('  '), ` | ${nowVsBase.toFixed(3)} (${spread(`now: ${path}`, `base: ${path}`)})`, ` | ${aa.toFixed(3)} (${spread(`base-aa: ${path}`, `base: ${path}`)})`);
}
