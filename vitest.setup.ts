// Quiet green runs: the gate's own log lines (`[licenzy-gate] …`, `[licenzy-gate/redis] …`) written to the console
// during a test are held back, and printed only if that test fails. Tests that spy on the console still see every call.
import { beforeEach } from 'vitest';

const OWN_LINE = /^\[licenzy-gate[\]/]/;
const original = { warn: console.warn.bind(console), error: console.error.bind(console) };
let held: Array<{ method: 'warn' | 'error'; args: unknown[] }> = [];

for (const method of ['warn', 'error'] as const) {
  console[method] = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && OWN_LINE.test(args[0])) held.push({ method, args });
    else original[method](...args);
  };
}

beforeEach((context) => {
  held = [];
  context.onTestFailed(() => {
    for (const { method, args } of held) original[method](...args);
  });
});
