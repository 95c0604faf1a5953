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
// `lean`: the least a hit with the gate's features does (lean-hit.mjs, as the `lean` app variant).
const { createLeanPeek } = await import('./lean-hit.mjs');
const leanPeek = createLeanPeek(new Map([['user_0', gate.peek('user_0')]]));
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
