// `npm start [-- express|koa|fastify|nest|hono] [--port N] [--stats] [--check]`: builds what is stale, starts the local Licenzy
// with its signed webhooks wired to the example app, plays the demo once on subjects of its own (the self-check), and
// prints replayable curl lines: 200/401/403, a metered route (top-up, 200, 200, 402) and the checkout scene
// (403 → the status route waits → 200). `npm start -- --instances 3` runs the fleet demo instead (scripts/start-fleet.mjs).
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { buildStale } from './build-stale.mjs';
import { CHECK_SUBJECTS, DEMO_SUBJECTS, playStep, renderStep, sceneSections, seedScene } from './demo-scene.mjs';
import { choosePorts } from './start-fleet.mjs';

const root = join(import.meta.dirname, '..');
const FRAMEWORKS = ['express', 'koa', 'fastify', 'nest', 'hono'];
const USAGE = `Usage: npm start [-- <framework>] [options]

Starts the local Licenzy and an example app on it, checks the demo on subjects of its own, and prints curl lines
you can run (and run again) against the app. Ctrl-C stops everything.

  <framework>      express (default), koa, fastify, nest or hono: which example app (examples/<framework>)
  --port N         the app's port (default 3000, or PORT; a free one if it is busy; 0 for any free port)
  --stats          preload examples/otel/stats-preload.mjs: a live one-line summary of the gate's decisions,
                   printed after the banner, once a second while it changes
  --check          play the demo, print the lines with what they answered, stop, and exit 0 only if every answer
                   matched (what the smoke test runs)
  --instances N    N (2 to 9) Express instances on one throwaway redis-server instead (needs redis-server; see
                   scripts/start-fleet.mjs); takes --port (the first instance's) and --check
  --redis KIND     with --instances: single (default), cluster (a 3+3 Redis Cluster) or sentinel (1 primary,
                   2 replicas, 3 Sentinels), all throwaway on 127.0.0.1 (cluster and sentinel need redis-cli and
                   redis-sentinel too)
  -h, --help       this text

The first run builds every package (about 70 s); later runs rebuild only what changed.`;

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      check: { type: 'boolean', default: false },
      stats: { type: 'boolean', default: false },
      port: { type: 'string' },
      instances: { type: 'string' },
      redis: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
} catch (error) {
  console.error(`${error.message}\n\n${USAGE}`);
  process.exit(2);
}
const { values, positionals } = parsed;
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const framework = positionals[0] ?? 'express';
if (!FRAMEWORKS.includes(framework) || positionals.length > 1) {
  console.error(`Unknown framework "${positionals.join(' ')}". Use one of: ${FRAMEWORKS.join(', ')} (npm start -- --help lists every flag)`);
  process.exit(2);
}
const wanted = Number(values.port ?? process.env.PORT ?? (values.check ? 0 : 3000));
if (!Number.isInteger(wanted) || wanted < 0 || wanted > 65535) {
  console.error(`--port expects an integer from 0 to 65535, got ${JSON.stringify(values.port ?? process.env.PORT)}`);
  process.exit(2);
}
if (values.redis !== undefined && values.instances === undefined) {
  console.error('--redis takes effect with --instances N (the fleet demo); the single-app demo has no Redis');
  process.exit(2);
}
if (values.instances !== undefined) {
  const { runFleetDemo } = await import('./start-fleet.mjs');
  process.exit(await runFleetDemo({ framework, instances: values.instances, check: values.check, port: wanted, redis: values.redis }));
}

if (!buildStale()) process.exit(1);

// The app's port is chosen first: the emulator's webhook target names it. The secret is per run and never printed.
const [port] = await choosePorts(1, wanted);
const secret = `whsec_${randomBytes(32).toString('base64')}`;
const webhookUrl = `http://127.0.0.1:${port}/webhooks/licenzy`;
const { createMockLicenzy } = await import(join(root, 'packages/mock/dist/esm/index.js'));
const mock = await createMockLicenzy({ webhooks: [{ url: webhookUrl, secret }], webhookRetryDelays: [250, 1000] });

/** Starts the example; its output is held until `release()` (after the banner), then passed through. */
function startApp() {
  return new Promise((resolve, reject) => {
    // The stats module subscribes to the gate's diagnostics channels from inside the app's process.
    const preload = values.stats ? ['--import', pathToFileURL(join(root, 'examples/otel/stats-preload.mjs')).href] : [];
    // The app's route table (listRoutes), printed once it listens: after the banner, with the app's held output.
    if (['express', 'koa', 'fastify'].includes(framework)) preload.push('--import', pathToFileURL(join(root, 'scripts/route-table-preload.mjs')).href);
    const child = spawn(process.execPath, [...preload, join(root, 'examples', framework, 'server.mjs')], {
      env: { ...process.env, LICENZY_API_URL: mock.url, LICENZY_API_KEY: mock.testKey, LICENZY_WEBHOOK_SECRET: secret, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const held = [];
    let released = false;
    let startup = '';
    const pass = (stream, out) => {
      stream.setEncoding('utf8');
      stream.on('data', (chunk) => {
        if (released) out.write(chunk);
        else held.push({ out, chunk });
      });
    };
    const release = () => {
      released = true;
      // Under --check the app's own output (request logs, stats) is left out: the block is what the check prints.
      if (!values.check) for (const { out, chunk } of held.splice(0)) out.write(chunk);
    };
    // Until the app says where it listens, its stdout is read here (that line is not passed on).
    const listening = (chunk) => {
      startup += chunk;
      const url = /listening on (http:\/\/\S+)/.exec(startup)?.[1];
      if (url === undefined) return;
      child.stdout.off('data', listening);
      pass(child.stdout, process.stdout);
      resolve({ child, url, release });
    };
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', listening);
    pass(child.stderr, process.stderr);
    child.once('exit', (code) => {
      process.stdout.write(startup);
      for (const { out, chunk } of held.splice(0)) out.write(chunk);
      reject(new Error(`the ${framework} example exited with code ${code} before listening on ${port}`));
    });
  });
}

let app;
try {
  app = await startApp();
} catch (error) {
  console.error(error.message);
  await mock.close();
  process.exit(1);
}

// Seeded once the app listens, so the grants' webhooks reach it at the first attempt.
seedScene(mock, DEMO_SUBJECTS);
seedScene(mock, CHECK_SUBJECTS);

// The self-check plays every step on its own subjects; the printed lines name the demo's, untouched by it.
const urls = { app: app.url, mock: mock.url };
let ok = true;
const blocks = [];
for (const section of sceneSections()) {
  const lines = [section.title(DEMO_SUBJECTS)];
  for (const step of section.steps) {
    const { statuses, seconds } = await playStep(step, { urls, subjects: CHECK_SUBJECTS });
    ok &&= statuses.join() === step.expect.join();
    const took = step.background === undefined ? '' : ` in ${seconds.toFixed(1)} s`;
    const curl = renderStep(step, { urls, subjects: DEMO_SUBJECTS });
    lines.push(`  ${curl.padEnd(78)} # ${step.expect.join(' → ')} ${step.label} (checked: ${statuses.join(' → ')}${took})`);
  }
  blocks.push(lines.join('\n'));
}
await mock.webhooksIdle();
// Attempts are logged one by one: count webhooks (by id) that reached the app.
const sent = new Set(mock.webhookDeliveries.map((delivery) => delivery.id));
const delivered = new Set(mock.webhookDeliveries.filter((delivery) => delivery.ok).map((delivery) => delivery.id));
ok &&= sent.size > 0 && delivered.size === sent.size;

console.log(`
licenzy-gate demo (${framework}) — local Licenzy at ${mock.url} (test mode), app at ${app.url}
Licenzy's signed webhooks go to the app (${webhookUrl}): a grant, revoke, refund or top-up takes effect at once
(checked: ${delivered.size} of ${sent.size} webhooks delivered). Every line below replays: run them again, in order, for the same answers.
"checked" is what the start-up self-check got playing the same lines on subjects of its own (selfcheck_*).
${blocks.join('\n')}
Local Licenzy console (grant, revoke, refund, add units, switch Licenzy down, live log): ${mock.consoleUrl}
  Grant ${DEMO_SUBJECTS.free} or revoke ${DEMO_SUBJECTS.paid} there: the lines above change at once (npm start again to start over).
${values.stats ? 'Live stats (decisions by source, hit ratio, Licenzy p50/p99) print below, once a second while they change.\n' : ''}Ctrl-C stops everything.`);
app.release();

async function stop(code) {
  app.child.removeAllListeners('exit');
  if (app.child.exitCode === null) {
    const exited = new Promise((resolve) => app.child.once('exit', resolve));
    app.child.kill('SIGTERM');
    await exited;
  }
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
