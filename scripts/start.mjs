// `npm start [-- express|koa|fastify] [--check] [--stats]`: builds what is stale, starts the mock Licenzy with one paying
// and one non-paying user, starts the example app against it, and prints curl lines for 200, 401 and 403, a metered
// route (200 until the usage pack is spent, then 402) and the post-checkout scene (403 → status route waits → 200).
// `npm start -- --instances 3 [--check]`: three Express instances on one Redis instead (scripts/start-fleet.mjs).
// `--stats` preloads examples/otel/stats-preload.mjs into the app: a live one-line summary from the gate's channels.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { buildStale } from './build-stale.mjs';

const root = join(import.meta.dirname, '..');
const FRAMEWORKS = ['express', 'koa', 'fastify'];

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { check: { type: 'boolean', default: false }, stats: { type: 'boolean', default: false }, port: { type: 'string' }, instances: { type: 'string' } },
});
const framework = positionals[0] ?? 'express';
if (!FRAMEWORKS.includes(framework)) {
  console.error(`Unknown framework "${framework}". Use one of: ${FRAMEWORKS.join(', ')}`);
  process.exit(2);
}
if (values.instances !== undefined) {
  const { runFleetDemo } = await import('./start-fleet.mjs');
  const port = Number(values.port ?? process.env.PORT ?? (values.check ? 0 : 3000));
  process.exit(await runFleetDemo({ framework, instances: values.instances, check: values.check, port }));
}

if (!buildStale()) process.exit(1);

const { createMockLicenzy } = await import(join(root, 'packages/mock/dist/esm/index.js'));
const mock = await createMockLicenzy();
mock.grant('user_paid');
// user_free has no entitlement: Licenzy answers allowed:false for it.
// user_credits has a usage pack of two reports, for the metered route.
mock.grant('user_credits', { kind: 'usage_pack', usageRemaining: 2 });
// user_buyer has just paid: Licenzy processes Stripe's webhook (and grants) only BUYER_DELAY ms into the scene.
const BUYER_DELAY = 1500;
// user_late is yours to try by hand (not in --check): paid now, processed LATE_DELAY ms after the demo is up.
const LATE_DELAY = 30_000;

function startApp(port) {
  return new Promise((resolve, reject) => {
    // The stats module subscribes to the gate's diagnostics channels from inside the app's process.
    const preload = values.stats ? ['--import', pathToFileURL(join(root, 'examples/otel/stats-preload.mjs')).href] : [];
    const child = spawn(process.execPath, [...preload, join(root, 'examples', framework, 'server.mjs')], {
      env: { ...process.env, LICENZY_API_URL: mock.url, LICENZY_API_KEY: mock.testKey, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let buffered = '';
    let url;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      // Until the app says where it listens, collect; afterwards pass its output (request logs) through.
      if (url !== undefined) {
        if (!values.check) process.stdout.write(chunk);
        return;
      }
      buffered += chunk;
      url = /listening on (http:\/\/\S+)/.exec(buffered)?.[1];
      if (url !== undefined) resolve({ child, url });
    });
    child.once('exit', (code) => reject(new Error(`example exited with code ${code}`)));
  });
}

let app;
const wanted = Number(values.port ?? process.env.PORT ?? (values.check ? 0 : 3000));
try {
  app = await startApp(wanted);
} catch {
  console.log(`port ${wanted} is busy; using a free port instead`);
  app = await startApp(0);
}

const route = `${app.url}/pro/report`;
const cases = [
  { status: 200, label: 'paying user', header: 'Authorization: Demo user_paid' },
  { status: 401, label: 'not logged in', header: undefined },
  { status: 403, label: 'logged in, has not paid', header: 'Authorization: Demo user_free' },
];

let ok = true;
const lines = [];
for (const c of cases) {
  const headers = c.header ? { authorization: c.header.split(': ')[1] } : {};
  const response = await fetch(route, { headers });
  await response.arrayBuffer();
  ok &&= response.status === c.status;
  const curl = `curl -i ${route}${c.header ? ` -H '${c.header}'` : ''}`;
  lines.push(`  ${curl.padEnd(78)} # ${c.status} ${c.label} (checked: ${response.status})`);
}

// A metered route: each report takes one unit of user_credits' pack, until none is left.
const reports = `${app.url}/api/reports`;
const meteredStatuses = [];
for (let i = 0; i < 3; i++) {
  const response = await fetch(reports, { method: 'POST', headers: { authorization: 'Demo user_credits' } });
  await response.arrayBuffer();
  meteredStatuses.push(response.status);
}
ok &&= meteredStatuses.join(',') === '200,200,402';
const meteredCurl = `curl -i -X POST ${reports} -H 'Authorization: Demo user_credits'`;
const meteredLine = `  ${meteredCurl.padEnd(78)} # 200 twice (2 units), then 402 usage_exhausted (checked: ${meteredStatuses.join(', ')})`;

// The post-checkout moment: 403 until Licenzy has processed the payment; the status route waits for it server-side.
const buyer = { authorization: 'Demo user_buyer' };
const beforeProcessed = await fetch(route, { headers: buyer });
await beforeProcessed.arrayBuffer();
const processing = setTimeout(() => mock.grant('user_buyer'), BUYER_DELAY);
const statusRoute = `${app.url}/api/access-status`;
const waitStarted = performance.now();
let status = await fetch(statusRoute, { headers: buyer });
// A 202 means "not yet": poll again, as the checkout page would (Retry-After says when).
for (let polls = 0; status.status === 202 && polls < 5; polls++) {
  await status.arrayBuffer();
  status = await fetch(statusRoute, { headers: buyer });
}
await status.arrayBuffer();
const waited = ((performance.now() - waitStarted) / 1000).toFixed(1);
clearTimeout(processing);
const afterProcessed = await fetch(route, { headers: buyer });
await afterProcessed.arrayBuffer();
ok &&= beforeProcessed.status === 403 && status.status === 200 && afterProcessed.status === 200;
const buyerCurl = (url) => `curl -i ${url} -H 'Authorization: Demo user_buyer'`;
const checkoutLines = [
  `  ${buyerCurl(route).padEnd(78)} # 403 before Licenzy has processed the payment (checked: ${beforeProcessed.status})`,
  `  ${buyerCurl(statusRoute).padEnd(78)} # waits server-side, 200 {"allowed":true} once processed (checked: ${status.status} after ${waited} s)`,
  `  ${buyerCurl(route).padEnd(78)} # 200 from then on (checked: ${afterProcessed.status})`,
];

let lateLines = '';
if (!values.check) {
  const at = new Date(Date.now() + LATE_DELAY).toISOString().slice(11, 19);
  setTimeout(() => mock.grant('user_late'), LATE_DELAY).unref();
  lateLines = `
Your turn: user_late has paid; Licenzy processes it at ${at} UTC (${LATE_DELAY / 1000} s from now):
  curl -i ${statusRoute} -H 'Authorization: Demo user_late'   # 202 + Retry-After until then, 200 after`;
}

console.log(`
licenzy-gate demo (${framework}) — mock Licenzy at ${mock.url} (test mode), app at ${app.url}
Try these:
${lines.join('\n')}
  curl -i ${app.url}/                                                 # free route
Metered route (user_credits has a usage pack of 2 units, 1 per report):
${meteredLine}
After checkout (user_buyer has paid; Licenzy processes Stripe's webhook ${BUYER_DELAY / 1000} s later):
${checkoutLines.join('\n')}${lateLines}
Mock Licenzy console (grant, revoke, refund, switch Licenzy down, live log): ${mock.consoleUrl}
  curl -X POST ${mock.url}/_mock/subjects/user_free/grant -H 'content-type: application/json' -d '{}'   # user_free pays: 403 turns 200 once the app's 5 s denied cache expires
${values.stats ? 'Live stats (decisions by source, hit ratio, Licenzy p50/p99) print below, once a second while they change.\n' : ''}Ctrl-C stops everything.`);

async function stop(code) {
  app.child.removeAllListeners('exit');
  app.child.kill('SIGTERM');
  await mock.close();
  process.exit(code);
}

if (values.check) await stop(ok ? 0 : 1);
if (!ok) console.error('warning: an answer above did not match what the demo expects');
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
app.child.on('exit', (code) => {
  console.error(`example app exited (${code})`);
  void mock.close().then(() => process.exit(code ?? 1));
});
