// Ad-hoc (issue 25, session 8): what a property read costs on objects that each have a hidden class of their own, as
// Express's `req` and `res` do (`%HaveSameMap` of two requests, or of two responses, is false): a plain read (an inline
// cache that misses every time and goes to the runtime) against `Reflect.get` (no inline cache: the GetProperty builtin
// looks the property up itself). Keeps 2,000 real Express requests and responses, then reads one field of each in an
// optimised loop, five rounds, and prints the last round in ns per object.
//   node bench/experiments/unique-class-reads.mjs
import http from 'node:http';
import express from 'express';

const app = express();
const kept = [];
app.use((req, _res, next) => {
  req.user = { id: 'u1' };
  next();
});
app.get('/p', (req, res) => {
  kept.push(req, res);
  res.json({ ok: true });
});
const server = app.listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const { port } = server.address();
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
const one = () => new Promise((resolve) => http.get({ port, path: '/p', agent }, (res) => res.resume().on('end', resolve)));
for (let i = 0; i < 250; i++) await Promise.all(Array.from({ length: 8 }, one));
server.close();
agent.destroy();
const requests = kept.filter((_, i) => i % 2 === 0);
const responses = kept.filter((_, i) => i % 2 === 1);

// One function per case, so each read site has its own inline cache (a shared loop calling a `read` callback would
// measure the call instead).
function plainLocals(list) {
  let n = 0;
  for (const res of list) if (res.locals !== undefined) n++;
  return n;
}
function reflectLocals(list) {
  let n = 0;
  for (const res of list) if (Reflect.get(res, 'locals') !== undefined) n++;
  return n;
}
function plainUser(list) {
  let n = 0;
  for (const req of list) if (req.user !== undefined) n++;
  return n;
}
function reflectUser(list) {
  let n = 0;
  for (const req of list) if (Reflect.get(req, 'user') !== undefined) n++;
  return n;
}
const cases = [
  ['res.locals', responses, plainLocals],
  ['Reflect.get(res, locals)', responses, reflectLocals],
  ['req.user', requests, plainUser],
  ['Reflect.get(req, user)', requests, reflectUser],
];
for (let round = 0; round < 5; round++) {
  for (const [name, list, run] of cases) {
    const started = process.hrtime.bigint();
    run(list);
    const ns = Number(process.hrtime.bigint() - started) / list.length;
    if (round === 4) console.log(`${name.padEnd(26)} ${ns.toFixed(0)} ns per object (${list.length} objects)`);
  }
}
