// Ad-hoc (issue 25): bytes allocated and CPU per firing of a self-refreshing 1 ms timer (the coarse clock's former
// period) in an idle process, against setInterval and a timer whose callback reads no clock:
//   node --expose-gc bench/experiments/timer-alloc.cjs clock|noread|interval
const v8 = require('v8');
const mode = process.argv[2] ?? 'clock';
let _reading = 0, fired = 0, t;
if (mode === 'clock') t = setTimeout(function tick() { fired++; _reading = performance.now(); t.refresh(); }, 1);
else if (mode === 'noread') t = setTimeout(function tick() { fired++; t.refresh(); }, 1);
else if (mode === 'interval') t = setInterval(function tick() { fired++; _reading = performance.now(); }, 1);
setTimeout(() => {
  global.gc();
  const gcs = new v8.GCProfiler(); const f0 = fired; const u0 = v8.getHeapStatistics().used_heap_size; gcs.start();
  const c0 = process.cpuUsage();
  setTimeout(() => {
    const { statistics } = gcs.stop(); const u1 = v8.getHeapStatistics().used_heap_size;
    let total = 0, after = u0; for (const g of statistics) { total += g.beforeGC.heapStatistics.usedHeapSize - after; after = g.afterGC.heapStatistics.usedHeapSize; } total += u1 - after;
    const c = process.cpuUsage(c0); const n = fired - f0;
    console.log(mode, n, 'firings', (total / n).toFixed(1), 'B/firing', ((c.user + c.system) / n).toFixed(2), 'µs CPU/firing (idle process)');
    process.exit(0);
  }, 3000);
}, 500);
