// Ad-hoc: the cost of a cold coarse-clock read (a reading plus re-arming the 1 ms timer), per variant.
const forget = () => { reading = undefined; };
let reading;
let timer;
const variants = {
  'performance.now()': () => performance.now(),
  'Date.now()': () => Date.now(),
  'process.hrtime()': () => process.hrtime()[1],
  'setTimeout(1).unref() + performance.now()': () => { reading = performance.now(); setTimeout(forget, 1).unref(); return reading; },
  'timer.refresh() + performance.now()': () => { reading = performance.now(); if (timer === undefined) timer = setTimeout(forget, 1).unref(); else timer.refresh(); return reading; },
};
const N = 20_000;
for (let round = 0; round < 3; round++) {
  for (const [name, fn] of Object.entries(variants)) {
    let sink = 0;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) sink += fn();
    const ns = Number(process.hrtime.bigint() - t0) / N;
    // Let the pending timers fire before the next variant.
    await new Promise((r) => setTimeout(r, 5));
    if (round === 2) console.log(name.padEnd(44), ns.toFixed(1), 'ns', sink > 0 ? '' : '!');
  }
}
