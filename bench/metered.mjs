// Benchmark 7: a metered route (requireUsage, one Licenzy consume per request) beside an access-checked one, one server.
// Run by `npm run bench` (or `--only=7`); this file also serves as the benchmark's server process (`--serve`).
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SUBJECT = 'bench_metered_user';
const ROUTES = [
  { key: 'hit', path: '/access', name: 'requireAccess(), cached decision' },
  { key: 'uncached', path: '/access-uncached', name: 'requireAccess(), a cache miss per request (one access check each)' },
  { key: 'metered', path: '/metered', name: 'requireUsage({ units: 1 }) (one consume per request)' },
];

/**
 * One Express server (its own process) with three routes behind the same stand-in auth:
 * `requireAccess()` on a cached decision, `requireAccess()` missing the cache on every request (a new subject each
 * time, so no coalescing), and `requireUsage({ units: 1 })`.
 * autocannon loads each in turn, rounds in rotating order; the metered route's added latency is its median p50
 * minus the cached route's, and minus the uncached one's (what metering costs beyond any Licenzy round trip).
 */
export async function run({ smoke, mock, log }) {
  const { runLoad } = await import('./lib/load.mjs');
  const { fmt, median } = await import('./lib/stats.mjs');
  const rounds = smoke ? 1 : 5;
  const duration = smoke ? 0.3 : 2;
  const warmup = smoke ? 0.2 : 1;
  const connections = smoke ? 4 : 10;
  const { url, apiKey } = mock.info;
  // Enough units that no run can spend them: every measured request is a real, successful charge.
  const granted = await fetch(`${url}/_mock/subjects/${SUBJECT}/grant`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'usage_pack', units: 1_000_000_000 }),
  });
  if (granted.status !== 201) throw new Error(`mock grant answered ${granted.status}`);

  const server = await startServer({ url, apiKey });
  try {
    const runs = Object.fromEntries(ROUTES.map((route) => [route.key, []]));
    const measure = async (route, seconds, keep) => {
      const result = await runLoad({ url: `${server.url}${route.path}`, connections, duration: seconds, headers: { authorization: `Bearer ${SUBJECT}` } });
      if (result.non2xx > 0 || result.errors > 0 || result.ok === 0) {
        throw new Error(`${route.path}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.ok} ok`);
      }
      if (keep) runs[route.key].push(result);
    };
    for (const route of ROUTES) await measure(route, warmup, false);
    for (let i = 0; i < rounds; i++) {
      const order = i % 2 === 0 ? ROUTES : [...ROUTES].reverse();
      for (const route of order) await measure(route, duration, true);
    }
    const summary = Object.fromEntries(ROUTES.map((route) => {
      const list = runs[route.key];
      return [route.key, { rps: median(list.map((r) => r.rps)), p50: median(list.map((r) => r.p50)), p99: median(list.map((r) => r.p99)) }];
    }));
    const added = summary.metered.p50 - summary.hit.p50;
    const beyondCall = summary.metered.p50 - summary.uncached.p50;
    const charged = await server.charged();
    const signed = (ms) => `${ms < 0 ? '−' : '+'}${fmt.ms(Math.abs(ms))}`;
    for (const route of ROUTES) {
      const s = summary[route.key];
      log(`  ${route.name}: ${fmt.int(s.rps)} req/s, p50 ${fmt.ms(s.p50)}, p99 ${fmt.ms(s.p99)}`);
    }
    log(`  metered p50 vs cached: ${signed(added)}; vs a cache miss: ${signed(beyondCall)}; charges published: ${charged}`);

    const rows = [{
      benchmark: '8. Metered route vs access-checked route',
      figure: `p50 ${signed(added)} vs a cached requireAccess() (${fmt.ms(summary.metered.p50)} vs ${fmt.ms(summary.hit.p50)}); ${signed(beyondCall)} vs a cache miss (${fmt.ms(summary.uncached.p50)})`,
      target: '—',
      status: 'info',
    }];
    const lines = [
      '## 8. Metered route vs access-checked route',
      '',
      `One Express 5 server in its own process (not pinned), three routes behind the same stand-in auth, the mock Licenzy in another process with no added latency. autocannon: ${connections} connections, ${duration} s per run after a ${warmup} s warm-up per route, ${rounds} rounds alternating the order. Every metered request is a real charge of one unit (the subject holds a usage pack of 10⁹ units); usage is never cached, so each one is a \`POST /v1/usage/consume\` round trip.`,
      '',
      '| Route | Requests/s | p50 | p99 |',
      '|---|---:|---:|---:|',
      ...ROUTES.map((route) => `| ${route.name} | ${fmt.int(summary[route.key].rps)} | ${fmt.ms(summary[route.key].p50)} | ${fmt.ms(summary[route.key].p99)} |`),
      '',
      `The metered route adds **${signed(added)}** at p50 over the cached access check: usage is never cached, so that is one Licenzy round trip per request. Against an access check that also calls Licenzy on every request (a new subject each time) the difference is ${signed(beyondCall)}: the consume endpoint's own work at the mock, the key, the response watch.`,
    ];
    return { rows, markdown: lines.join('\n') };
  } finally {
    await server.stop();
  }
}

/** Forks this file as the server; resolves once it listens. */
function startServer(config) {
  const self = fileURLToPath(import.meta.url);
  const child = fork(self, ['--serve', JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`metered bench server exited (${code})`)));
    child.on('message', (message) => {
      if (message.type !== 'ready') return;
      resolve({
        url: message.url,
        charged: () => new Promise((done) => {
          child.once('message', (reply) => done(reply.charged));
          child.send({ cmd: 'charged' });
        }),
        stop: () => new Promise((done) => {
          child.removeAllListeners('exit');
          child.once('exit', () => done());
          child.kill('SIGTERM');
        }),
      });
    });
  });
}

/** The server side: Express 5 with the three routes. */
async function serve(config) {
  const { channel } = await import('node:diagnostics_channel');
  const { default: express } = await import('express');
  const [{ CHANNELS }, { createAccessGate, requireAccess, requireUsage }] = await Promise.all([import('@licenzy-gate/core'), import('@licenzy-gate/express')]);
  const options = { apiKey: config.apiKey, baseUrl: config.url, logger: { warn: () => undefined, error: () => undefined } };
  const gate = createAccessGate({ ...options, cache: { ttl: 3_600_000 } });
  const uncached = createAccessGate({ ...options, cache: false });
  let charged = 0;
  channel(CHANNELS.usage).subscribe((event) => {
    if (event.type === 'charged') charged++;
  });
  const app = express();
  app.disable('x-powered-by');
  // Stand-in session middleware: a bearer token names the user (benchmark only).
  app.use((req, _res, next) => {
    const token = /^Bearer (\S+)$/.exec(req.get('authorization') ?? '')?.[1];
    if (token !== undefined) req.user = { id: token };
    next();
  });
  const answer = (_req, res) => void res.json({ ok: true });
  app.get('/access', requireAccess({ gate }), answer);
  // A new subject per request: every one is a real Licenzy round trip (one subject would be coalesced into a few
  // shared calls). They have no entitlement; the denial is answered 200 so the load generator counts it.
  let missed = 0;
  app.get('/access-uncached', requireAccess({ gate: uncached, subject: () => `bench_miss_${++missed}`, onDenied: answer }), answer);
  app.get('/metered', requireUsage({ gate, units: 1 }), answer);
  const server = app.listen(0, '127.0.0.1', () => {
    process.send({ type: 'ready', url: `http://127.0.0.1:${server.address().port}` });
  });
  process.on('message', (message) => {
    if (message.cmd === 'charged') process.send({ charged });
  });
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
}

if (process.argv[2] === '--serve') await serve(JSON.parse(process.argv[3]));
