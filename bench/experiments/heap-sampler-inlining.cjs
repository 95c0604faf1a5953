// Ad-hoc (issue 25, session 9): which function V8's sampling heap profiler charges an allocation to when the allocating
// function was inlined. `inner` allocates; `outer` calls it. Run twice:
//   node --allow-natives-syntax --no-turbo-escape bench/experiments/heap-sampler-inlining.cjs
//   node --allow-natives-syntax --no-turbo-escape --max-inlined-bytecode-size=0 bench/experiments/heap-sampler-inlining.cjs
// With inlining the bytes land on the optimised frame the allocation ran in (here the loop's callback, into which both
// were inlined), not on `inner`; without it, on `inner`. So benchmark 1's "in the gate's own code" (bench/lib/gate-frame-bytes.mjs)
// charges the gate for a framework function inlined into the gate's middleware (a Koa process once read 36 B per request
// there, most likely with Koa's `next()` inlined), and the framework for gate code inlined into the framework's frames.
// (--no-turbo-escape keeps TurboFan from removing the object altogether.)
const { Session } = require('node:inspector');

function inner(i) {
  return { a: i, b: i + 1, c: i + 2 };
}
function outer(i) {
  return inner(i).a;
}
// V8's natives through Function, so that the file still parses as plain JavaScript (lint).
const natives = (call) => new Function('f', `%${call}(f)`);
natives('PrepareFunctionForOptimization')(outer);
natives('PrepareFunctionForOptimization')(inner);
for (let i = 0; i < 1000; i++) outer(i);
natives('OptimizeFunctionOnNextCall')(outer);
outer(1);

const session = new Session();
session.connect();
session.post('HeapProfiler.startSampling', { samplingInterval: 64, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true }, () => {
  let sum = 0;
  for (let i = 0; i < 2e5; i++) sum += outer(i);
  session.post('HeapProfiler.stopSampling', (error, { profile }) => {
    if (error) throw error;
    const sites = [];
    const walk = (node, path) => {
      const here = [...path, node.callFrame.functionName || '(anonymous)'];
      if (node.selfSize > 0) sites.push({ stack: here.slice(-3).join(' > '), bytes: node.selfSize });
      for (const child of node.children) walk(child, here);
    };
    walk(profile.head, []);
    sites.sort((a, b) => b.bytes - a.bytes);
    for (const { stack, bytes } of sites.slice(0, 3)) console.log(`${String(bytes).padStart(10)} B  ${stack}`);
    console.log(`(sum ${sum > 0 ? 'kept' : 'unused'})`);
  });
});
