// Ad-hoc (issue 25): benchmark 1's allocation windows on apps of the SAME processes (as benchmark 1 counts them): bytes
// allocated per request of each app, pooled over processes per round, each against the first app.
//   node bench/experiments/alloc-apps.mjs fastify noop,control,gated,gated@clock1ms 3 4 1
import { allocationRuns } from '../lib/ab.mjs';
import { startChild } from '../lib/child.mjs';
import { settledAppProcess } from '../lib/app-processes.mjs';
import { median } from '../lib/stats.mjs';

const [framework = 'fastify', list = 'noop,control,gated', copies = '3', rounds = '4', seconds = '1'] = process.argv.slice(2);
const names = list.split(',');
const mock = await startChild('mock', {});
await mock.call('grant', ['user_0']);
const headers = { authorization: 'Bearer token_0' };
const processes = [];
for (let n = 0; n < Number(copies); n++) processes.push(await settledAppProcess({ framework, names, n, mock, headers }));
const servers = Object.fromEntries(names.flatMap((name) => processes.map((child, n) => [`${name}#${n}`, { info: { url: child.info.urls[name] }, call: child.call, pid: child.pid }])));
const per = await allocationRuns({ servers, rounds: Number(rounds), seconds: Number(seconds), connections: 32, headers, pauseIdle: true });
const bytes = (name, i) => {
  const list = processes.map((_, n) => per[`${name}#${n}`][i]);
  return list.reduce((s, r) => s + r.allocated, 0) / list.reduce((s, r) => s + r.requests, 0);
};
for (const name of names) {
  const rows = Array.from({ length: Number(rounds) }, (_, i) => bytes(name, i));
  const diff = rows.map((b, i) => b - bytes(names[0], i));
  console.log(`${framework} ${name.padEnd(16)} ${median(rows).toFixed(1)} B/req; − ${names[0]}: ${median(diff).toFixed(1)} B (${diff.map((d) => d.toFixed(1)).join(' ')})`);
}
await Promise.all(processes.map((s) => s.stop()));
await mock.stop();
process.exit(0);
