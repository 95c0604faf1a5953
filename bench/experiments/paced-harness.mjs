// What the paced-* experiments share: loading a build of core, and the paced timing loop (each call in its own
// macrotask after 20–50 µs of busy work, timed alone with hrtime; per block the mean of the fastest 99% of calls;
// blocks of paths in a rotating order).
import { createRequire } from 'node:module';

/** The subject every experiment caches, and a checker that allows it in-process. */
export const SUBJECT = 'user_0';
export const stub = { mode: 'test', checkAccess: async (subjectRef) => ({ subjectRef, allowed: true }) };
/** The floor's LRUCache class (the repository's dev dependency). */
export const { LRUCache } = createRequire(new URL('../../package.json', import.meta.url))('lru-cache');

/**
 * Core's modules from `build` (a folder under bench/experiments/builds; undefined or '.' for the workspace's
 * packages/core/dist), and a gate of that build with SUBJECT already cached.
 */
export async function loadBuild(build) {
  const dist = build === undefined || build === '.' ? new URL('../../packages/core/dist/cjs/', import.meta.url) : new URL(`./builds/${build}/dist/cjs/`, import.meta.url);
  const [core, clock, store, diagnostics] = await Promise.all(['index.js', 'clock.js', 'decision-store.js', 'diagnostics.js'].map((file) => import(new URL(file, dist))));
  const gate = core.createAccessGate({ client: stub, cache: { ttl: 3_600_000 } });
  await gate.check(SUBJECT);
  return { core, clock, store, diagnostics, gate };
}

/** Busy-waits `us` microseconds. */
export const spin = (us) => {
  const end = process.hrtime.bigint() + BigInt(Math.round(us * 1000));
  while (process.hrtime.bigint() < end);
};

/**
 * Runs every path of `fns` (`{ name: () => value }`; one must be `empty`) in `rounds` rounds of `calls` paced calls,
 * after 200,000 untimed calls each. Round 0 warms up and is dropped. Returns `{ res: { name: ns[] }, sink }`.
 */
export async function pacedRounds(fns, { rounds = 7, calls = 2000 } = {}) {
  for (const fn of Object.values(fns)) for (let i = 0; i < 200_000; i++) fn();
  const names = Object.keys(fns);
  const res = Object.fromEntries(names.map((name) => [name, []]));
  let sink = 0;
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(round + k) % names.length];
      const fn = fns[name];
      const times = [];
      for (let i = 0; i < calls; i++) {
        await new Promise((resolve) => setImmediate(() => {
          spin(20 + Math.random() * 30);
          const start = process.hrtime.bigint();
          const value = fn();
          times.push(Number(process.hrtime.bigint() - start));
          if (value !== undefined) sink++;
          resolve();
        }));
      }
      times.sort((a, b) => a - b);
      const kept = times.slice(0, Math.ceil(calls * 0.99));
      if (round > 0) res[name].push(kept.reduce((a, b) => a + b, 0) / kept.length);
    }
  }
  return { res, sink };
}

/** {@link pacedRounds} with ROUNDS and CALLS from the environment (defaults `rounds` and 2000). */
export function pacedFromEnv(fns, rounds) {
  return pacedRounds(fns, { rounds: Number(process.env.ROUNDS ?? rounds), calls: Number(process.env.CALLS ?? 2000) });
}

export const medianOf = (list) => [...list].sort((a, b) => a - b)[list.length >> 1];

/** Prints every path but `empty`: median ns (empty subtracted), × the `floor` path, and each round's ns. */
export function printPaced({ res, sink }, floor) {
  const empty = medianOf(res.empty);
  const floorNs = medianOf(res[floor]) - empty;
  console.log(`empty ${empty.toFixed(1)} ns (subtracted); sink ${sink}`);
  for (const name of Object.keys(res).filter((n) => n !== 'empty')) {
    const ns = medianOf(res[name]) - empty;
    console.log(name.padEnd(36), ns.toFixed(1).padStart(6), 'ns', (ns / floorNs).toFixed(2).padStart(6), 'x |', res[name].map((x) => (x - empty).toFixed(0)).join(' '));
  }
}
