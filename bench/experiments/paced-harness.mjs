// The paced timing loop the paced-* experiments share: each call in its own macrotask after 20–50 µs of busy work,
// timed alone with hrtime; per block the mean of the fastest 99% of calls; blocks of paths in a rotating order.

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
