// `npm run bench -- --peers`: a cached check in each peer's SDK, in one process, against our peek() and check().
// Every SDK talks only to a stub on 127.0.0.1 (or runs from local data); any other connection attempt throws.
import { createServer } from 'node:http';
import net from 'node:net';
import dns from 'node:dns';
import { once } from 'node:events';
import { createAccessGate } from '@licenzy-gate/core';
import { childConfig, serveParent } from '../lib/child.mjs';

const { rounds, iterations } = childConfig();
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);
const refused = [];
// No other host reachable: refuse name lookups and connections to anything but loopback, and record the attempt.
const originalConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function connect(...args) {
  const options = typeof args[0] === 'object' && args[0] !== null ? (Array.isArray(args[0]) ? args[0][0] : args[0]) : { host: args[1] };
  const host = options?.host ?? 'localhost';
  if (options?.path === undefined && !LOOPBACK.has(host)) {
    refused.push(host);
    throw new Error(`bench peers: connection to ${host} refused (loopback only)`);
  }
  return originalConnect.apply(this, args);
};
const originalLookup = dns.lookup;
dns.lookup = function lookup(host, ...rest) {
  if (!LOOPBACK.has(host)) {
    refused.push(host);
    const callback = rest.at(-1);
    return process.nextTick(callback, Object.assign(new Error(`bench peers: lookup of ${host} refused`), { code: 'ENOTFOUND' }));
  }
  return originalLookup.call(this, host, ...rest);
};

// The loopback stub: the few endpoints the SDKs call to fill their caches, each answering "enabled for everyone".
const stubCalls = {};
const stub = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    const path = req.url.split('?')[0];
    stubCalls[`${req.method} ${path}`] = (stubCalls[`${req.method} ${path}`] ?? 0) + 1;
    res.setHeader('content-type', 'application/json');
    if (req.method === 'GET' && path.endsWith('/client/features')) {
      res.end(JSON.stringify({ version: 1, features: [{ name: 'pro', enabled: true, strategies: [{ name: 'default', parameters: {} }] }] }));
    } else if (path.includes('/flags/') && path.endsWith('/check')) {
      res.end(JSON.stringify({ data: { flag: 'pro', flagKey: 'pro', reason: 'stub: on for everyone', value: true }, params: {} }));
    } else {
      res.statusCode = req.method === 'POST' ? 202 : 200;
      res.end('{}');
    }
  });
});
stub.listen(0, '127.0.0.1');
await once(stub, 'listening');
const stubUrl = `http://127.0.0.1:${stub.address().port}`;
const SUBJECT = 'user_0';

/** Each peer: `setup()` builds the SDK and makes one check (filling its cache); returns the timed check. */
const peers = {
  'Schematic checkFlag': async () => {
    const { SchematicClient } = await import('@schematichq/schematic-typescript-node');
    const client = new SchematicClient({ apiKey: 'stub_key', basePath: stubUrl, eventBufferInterval: 3_600_000, logLevel: 'error' });
    const ctx = { company: { id: 'company_0' }, user: { userId: SUBJECT } };
    const check = () => client.checkFlag(ctx, 'pro');
    return { check, async: true, note: 'API flag check through the SDK\'s LocalCache (one stub call fills it)', close: () => client.close() };
  },
  'Stigg getBooleanEntitlement': async () => {
    const { Stigg } = await import('@stigg/node-server-sdk');
    const stigg = Stigg.initialize({ apiKey: 'stub_key', baseUri: stubUrl, offline: true, realtimeUpdatesEnabled: false, entitlementsFallback: { pro: { hasAccess: true } }, logConfiguration: { logLevel: 'error' } });
    await stigg.waitForInitialization();
    const check = () => stigg.getBooleanEntitlement({ customerId: SUBJECT, featureId: 'pro' });
    // Its online mode needs Stigg's GraphQL API and WebSocket, not stubbed here: offline mode answers from the
    // fallback without any cache lookup, so it is shown but not counted as a cached check.
    return { check, async: true, cached: false, note: 'offline mode: the configured fallback, no cache lookup (not a cached check; not counted)', close: () => stigg.close() };
  },
  'LaunchDarkly boolVariation': async () => {
    const { init, integrations } = await import('@launchdarkly/node-server-sdk');
    const td = new integrations.TestData();
    td.update(td.flag('pro').booleanFlag().variationForAll(true));
    const client = init('sdk-stub', { updateProcessor: td.getFactory(), sendEvents: false, diagnosticOptOut: true, baseUri: stubUrl, streamUri: stubUrl, eventsUri: stubUrl, logger: { error() {}, warn() {}, info() {}, debug() {} } });
    await client.waitForInitialization({ timeout: 5 });
    const context = { kind: 'user', key: SUBJECT };
    const check = () => client.boolVariation('pro', context, false);
    return { check, async: true, note: 'TestData source (in-memory flag store, no network), events off', close: () => client.close() };
  },
  'Unleash isEnabled': async () => {
    const { initialize, InMemStorageProvider } = await import('unleash-client');
    const unleash = initialize({ url: `${stubUrl}/api/`, appName: 'bench', instanceId: 'bench', disableMetrics: true, refreshInterval: 3_600_000, storageProvider: new InMemStorageProvider(), customHeaders: { Authorization: 'stub' } });
    unleash.on('error', () => {});
    await once(unleash, 'synchronized');
    const context = { userId: SUBJECT };
    const check = () => unleash.isEnabled('pro', context);
    return { check, async: false, note: 'toggles polled once from the stub, evaluated locally; metrics off', close: () => unleash.destroy() };
  },
  'OpenFeature (InMemoryProvider)': async () => {
    const { OpenFeature, InMemoryProvider } = await import('@openfeature/server-sdk');
    await OpenFeature.setProviderAndWait(new InMemoryProvider({ pro: { disabled: false, variants: { on: true, off: false }, defaultVariant: 'on' } }));
    const client = OpenFeature.getClient();
    const context = { targetingKey: SUBJECT };
    const check = () => client.getBooleanValue('pro', false, context);
    return { check, async: true, note: 'in-memory provider, no network', close: () => OpenFeature.close() };
  },
};

const gate = createAccessGate({ client: { mode: 'test', checkAccess: async (subjectRef) => ({ subjectRef, allowed: true }) }, cache: { ttl: 3_600_000 } });
const paths = {
  'licenzy-gate gate.peek()': { check: () => gate.peek(SUBJECT), async: false, note: 'ours: the adapters\' path' },
  'licenzy-gate await gate.check()': { check: () => gate.check(SUBJECT), async: true, note: 'ours: the async API' },
};
await gate.check(SUBJECT);
const skipped = {};
for (const [name, setup] of Object.entries(peers)) {
  try {
    const path = await setup();
    const first = await path.check();
    const value = typeof first === 'boolean' ? first : first?.hasAccess ?? first;
    if (value !== true) throw new Error(`first check answered ${JSON.stringify(first)}, expected true`);
    paths[name] = path;
  } catch (error) {
    skipped[name] = error instanceof Error ? error.message : String(error);
  }
}

let sink = 0;
const loop = (path) => (path.async
  ? async (n) => { for (let i = 0; i < n; i++) if (await path.check()) sink++; }
  : (n) => { for (let i = 0; i < n; i++) if (path.check()) sink++; });
const fns = Object.fromEntries(Object.entries(paths).map(([name, path]) => [name, loop(path)]));
// Warm every path up, then size each timing to take about 20 ms, so slow and fast paths are timed alike.
const sizes = {};
for (const [name, fn] of Object.entries(fns)) {
  await fn(20_000);
  const t0 = process.hrtime.bigint();
  await fn(20_000);
  const ns = Number(process.hrtime.bigint() - t0) / 20_000;
  sizes[name] = Math.max(2_000, Math.min(iterations, Math.round(20e6 / Math.max(ns, 1))));
}
const names = Object.keys(fns);
const timings = Object.fromEntries(names.map((n) => [n, []]));
for (let round = 0; round < rounds; round++) {
  for (let k = 0; k < names.length; k++) {
    const name = names[(round + k) % names.length];
    const t0 = process.hrtime.bigint();
    await fns[name](sizes[name]);
    timings[name].push(Number(process.hrtime.bigint() - t0) / sizes[name]);
  }
}
const notes = Object.fromEntries(Object.entries(paths).map(([name, path]) => [name, path.note]));
const cachedChecks = Object.fromEntries(Object.entries(paths).map(([name, path]) => [name, path.cached !== false]));
for (const path of Object.values(paths)) await Promise.resolve(path.close?.()).catch(() => {});
stub.closeAllConnections?.();
stub.close();
serveParent({}, { timings, sizes, notes, cachedChecks, skipped, refused: [...new Set(refused)], stubCalls, sink, versions: await versions() });

async function versions() {
  const { readFile } = await import('node:fs/promises');
  const out = {};
  for (const pkg of ['@schematichq/schematic-typescript-node', '@stigg/node-server-sdk', '@launchdarkly/node-server-sdk', 'unleash-client', '@openfeature/server-sdk']) {
    out[pkg] = JSON.parse(await readFile(new URL(`./node_modules/${pkg}/package.json`, import.meta.url), 'utf8')).version;
  }
  return out;
}
