// Ad-hoc (issue 25): the size of the optimised machine code of the hit path's functions (peek, the guard's decide), each
// optimised on its own (the calling loop is never optimised, so nothing is inlined into it):
//   node --allow-natives-syntax --print-opt-code --print-opt-code-filter=peek bench/experiments/opt-code-size.mjs [peek|decide|lean] (filter leanPeek for lean)
import { createAccessGate } from '@licenzy-gate/core';
import { createGuard } from '@licenzy-gate/core/adapter';

const which = process.argv[2] ?? 'peek';
const stub = { mode: 'test', checkAccess: async (subjectRef) => ({ subjectRef, allowed: true }) };
const gate = createAccessGate({ client: stub, cache: { ttl: 3_600_000 } });
await gate.check('user_0');
const guard = createGuard({ gate, subject: (req) => req.user.id }, () => undefined);
const request = { user: { id: ['user', '0'].join('_') } };
// `lean`: the least a hit with the gate's features does (as bench/children/app.mjs's `lean` variant): one Map lookup of an
// entry with its stamp and expiry, a clock reading in a module variable, a hit counter, the three trace channels asked.
const { tracingChannel } = await import('node:diagnostics_channel');
const traced = tracingChannel('lean-experiment');
const channels = [traced.start, traced.end, traced.error];
const counters = { hits: 0 };
let reading = Math.floor(performance.now());
const entries = new Map([['user_0', { decision: gate.peek('user_0'), at: reading, until: reading + 3_600_000 }]]);
function leanPeek(subjectRef) {
  const entry = entries.get(subjectRef);
  const t = reading + 10;
  if (entry === undefined || !(t < entry.until && t >= entry.at)) return undefined;
  counters.hits++;
  if (channels[0].hasSubscribers || channels[1].hasSubscribers || channels[2].hasSubscribers) return undefined;
  return entry.decision;
}
let sink = 0;
function loop(n) {
  for (let i = 0; i < n; i++) {
    if (which === 'lean') sink += leanPeek(request.user.id) === undefined ? 0 : 1;
    else if (which === 'peek') sink += gate.peek(request.user.id) === undefined ? 0 : 1;
    else sink += 'source' in guard.admit(request) ? 1 : 0;
  }
}
// Natives syntax through Function(), so the file stays plain JavaScript for the linter.
new Function('f', '%NeverOptimizeFunction(f)')(loop);
for (let k = 0; k < 200; k++) {
  loop(2_000);
  await new Promise((resolve) => setImmediate(resolve));
}
console.error(`sink ${sink}`);
