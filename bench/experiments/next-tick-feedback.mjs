// Issue #14: where the gated Fastify server's extra CPU went. Shows V8's feedback for the object literal that Node 20's
// `process.nextTick()` builds each tick object with (`{ [async_id_symbol]: …, [trigger_async_id_symbol]: …, callback,
// args }`, lib/internal/process/task_queues.js), in three settings:
//
//   1. a bare script: the literal's feedback before and after one full GC while no tick object is alive;
//   2. app servers (bench/children/app.mjs): after start, after the gate's first Licenzy call, after a short load;
//   3. the same servers after some traffic and then `settle` (full GCs while idle: what benchmark 1 does to every
//      server before measuring).
//
// V8 keeps one map per slot for this kind of literal store (no polymorphic state): when a full GC frees the tick
// object's maps (nothing alive holds them between ticks), the next tick is built with new maps, the slot turns
// MEGAMORPHIC for the life of the process, and every tick object is then built in the V8 runtime.
//
//   node bench/experiments/next-tick-feedback.mjs [fastify|express|koa]
import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChild } from '../lib/child.mjs';
import { runLoad } from '../lib/load.mjs';

const framework = process.argv[2] ?? 'fastify';

/** The states of the literal's four store slots in a `%DebugPrint(process.nextTick)` dump, e.g. "MONO MEGA MEGA MEGA". */
function literalSlots(dump) {
  const states = [...dump.matchAll(/DefineKeyedOwnPropertyInLiteral (\w+)/g)].map((m) => m[1].slice(0, 4));
  return states.length === 0 ? 'no feedback yet' : states.join(' ');
}

// 1. A bare script.
const script = join(mkdtempSync(join(tmpdir(), 'tick-')), 'repro.cjs');
writeFileSync(script, `
const mark = (label) => require('node:fs').writeSync(1, '@@ ' + label + '\\n');
for (let i = 0; i < 50; i++) process.nextTick(() => {}, i);
setTimeout(() => {
  mark('before'); %DebugPrint(process.nextTick);
  gc();
  process.nextTick(() => {}, 1);
  setTimeout(() => { mark('after one full GC'); %DebugPrint(process.nextTick); }, 10);
}, 10);
`);
const out = spawnSync(process.execPath, ['--allow-natives-syntax', '--expose-gc', script], { encoding: 'utf8' }).stdout;
console.log('1. a bare script');
for (const part of out.split('@@ ').slice(1)) console.log(`   ${part.split('\n')[0].padEnd(22)} ${literalSlots(part)}`);

// 2 and 3. App servers.
const mock = await startChild('mock', {});
await mock.call('grant', ['user_0']);
console.log(`2/3. ${framework} servers (slots: async_id, trigger_async_id, callback, args)`);
for (const variant of ['bare', 'gated']) {
  for (const settled of [false, true]) {
    const server = await startChild('app', { framework, variant, licenzy: { url: mock.info.url, apiKey: mock.info.apiKey }, cache: { ttl: 3_600_000 }, users: 1 }, { pin: true, stdout: 'pipe', execArgv: ['--allow-natives-syntax', '--expose-gc'] });
    let buffer = '';
    server.stdout.on('data', (chunk) => (buffer += chunk));
    const state = async () => {
      buffer = '';
      await server.call('debugPrintNextTick');
      await new Promise((resolve) => setTimeout(resolve, 100));
      return literalSlots(buffer);
    };
    const steps = [`started: ${await state()}`];
    if (variant === 'gated') {
      await server.call('warm', ['user_0']);
      steps.push(`first Licenzy call: ${await state()}`);
    }
    const load = () => runLoad({ url: `${server.info.url}/pro`, connections: 32, duration: 1, headers: { authorization: 'Bearer token_0' } });
    if (settled) {
      // As benchmark 1 does: traffic first (so the literal has feedback to lose), then full GCs while idle.
      await load();
      steps.push(`load: ${await state()}`);
      await server.call('settle');
      steps.push(`settled: ${await state()}`);
    }
    await load();
    steps.push(`after load: ${await state()}`);
    console.log(`   ${(variant + (settled ? ', settled' : '')).padEnd(15)} ${steps.join(' → ')}`);
    await server.stop();
  }
}
await mock.stop();
