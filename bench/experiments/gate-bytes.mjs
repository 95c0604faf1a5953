// Ad-hoc (issue 25): benchmark 1's "in the gate's own code" figure alone: bytes per request that V8's sampling heap
// profiler puts in licenzy-gate's own frames, in the gated app of processes hosting bare, empty, control and gated apps
// (as benchmark 1 builds them), after the same warm-up and settling. A minute per framework instead of benchmark 1's 25.
//   node bench/experiments/gate-bytes.mjs koa [processes] [seconds]
import { startChild } from '../lib/child.mjs';
import { settledAppProcess } from '../lib/app-processes.mjs';
import { gateFrameBytes } from '../lib/gate-frame-bytes.mjs';
import { runLoad } from '../lib/load.mjs';

const [framework = 'koa', processCount = '2', seconds = '2'] = process.argv.slice(2);
const VARIANTS = ['bare', 'noop', 'control', 'gated'];
const headers = { authorization: 'Bearer token_0' };
const mock = await startChild('mock', {});
await mock.call('grant', ['user_0']);
const processes = [];
for (let n = 0; n < Number(processCount); n++) processes.push(await settledAppProcess({ framework, names: VARIANTS, n, mock, headers }));
for (const [n, child] of processes.entries()) {
  for (const variant of VARIANTS) await runLoad({ url: `${child.info.urls[variant]}/pro`, connections: 32, duration: 1, headers });
  const { bytes, requests, sites } = await gateFrameBytes({ info: { url: child.info.urls.gated }, call: child.call }, { connections: 32, headers, seconds: Number(seconds) });
  console.log(`${framework} process ${n}: ${bytes.toFixed(1)} B per request in the gate's own code (${requests} requests)`);
  for (const { site, bytes: b } of sites.slice(0, 5)) console.log(`   ${b.toFixed(1)} B  ${site}`);
}
await Promise.all(processes.map((child) => child.stop()));
await mock.stop();
