// Throwaway Redis topologies on 127.0.0.1 for the demo, the fleet test and the bench (issue 24): a 3-primary,
// 3-replica Redis Cluster and a Sentinel deployment (1 primary, 2 replicas, 3 sentinels), in a temp dir, stopped
// with `stop()`. Each one says how an app instance reaches it (`env`, read by scripts/lib/redis-client.mjs).
// The tier's own tests have a TypeScript twin in packages/redis/test/redis-cluster.ts (which also fails nodes over).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REDIS_SERVER = process.env.REDIS_SERVER_BIN ?? '/usr/bin/redis-server';
export const REDIS_CLI = process.env.REDIS_CLI_BIN ?? '/usr/bin/redis-cli';
export const REDIS_SENTINEL = process.env.REDIS_SENTINEL_BIN ?? '/usr/bin/redis-sentinel';

/** The binaries a topology needs: `'single'` redis-server, `'cluster'` also redis-cli, `'sentinel'` also redis-sentinel. */
const NEEDS = { single: [REDIS_SERVER], cluster: [REDIS_SERVER, REDIS_CLI], sentinel: [REDIS_SERVER, REDIS_CLI, REDIS_SENTINEL] };

/** The one line saying what is missing for `kind` and how to install it, or undefined when everything runs here. */
export function topologyMissing(kind) {
  const missing = NEEDS[kind].find((binary) => spawnSync(binary, ['--version'], { stdio: 'ignore' }).status !== 0);
  if (missing === undefined) return undefined;
  return `${missing} not found: install it with \`sudo apt-get install redis-server redis-sentinel\` (or set ${
    missing === REDIS_CLI ? 'REDIS_CLI_BIN' : missing === REDIS_SENTINEL ? 'REDIS_SENTINEL_BIN' : 'REDIS_SERVER_BIN'
  }) to run the Redis ${kind}`;
}

const until = async (condition, timeout, what) => {
  const deadline = Date.now() + timeout;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

const free = (port) =>
  new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/** `count` consecutive free ports whose cluster bus ports (+10000) are free too, from 20000–29999. */
async function freeRange(count) {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * (10_000 - count));
    let ok = true;
    for (let i = 0; i < count && ok; i++) ok = (await free(base + i)) && (await free(base + i + 10_000));
    if (ok) return base;
  }
  throw new Error('no free port range for the Redis servers');
}

/** One inline command over a raw socket; resolves the reply's first packet as text ('' when unreachable). */
function inline(port, command) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => socket.write(`${command}\r\n`));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString());
    });
    socket.once('error', () => resolve(''));
    socket.setTimeout(2000, () => {
      socket.destroy();
      resolve('');
    });
  });
}

const pings = async (port) => (await inline(port, 'PING')).startsWith('+PONG');

/** Keys on every node that is a primary now (to see a write-through land, whichever node took it). */
async function primaryKeys(ports) {
  let total = 0;
  for (const port of ports) {
    if (!/\$6\r\nmaster/.test(await inline(port, 'ROLE'))) continue;
    total += Number(/^:(\d+)/.exec(await inline(port, 'DBSIZE'))?.[1] ?? NaN);
  }
  return total;
}

/** Runs redis-cli against a local port; rejects on a non-zero exit or an error reply. */
export function cli(port, args) {
  return new Promise((resolve, reject) => {
    const proc = spawn(REDIS_CLI, ['-h', '127.0.0.1', '-p', String(port), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (chunk) => (out += chunk));
    proc.stderr.on('data', (chunk) => (out += chunk));
    proc.once('exit', (code) => (code === 0 && !/^(ERR|CLUSTERDOWN|MOVED|Could not connect)/m.test(out) ? resolve(out) : reject(new Error(out.slice(0, 500)))));
  });
}

/** Runs several commands on one redis-cli connection (one per line of `input`); resolves the output. */
function cliLines(port, input) {
  return new Promise((resolve, reject) => {
    const proc = spawn(REDIS_CLI, ['-h', '127.0.0.1', '-p', String(port)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (chunk) => (out += chunk));
    proc.stderr.on('data', (chunk) => (out += chunk));
    proc.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(out.slice(0, 500)))));
    proc.stdin.end(input);
  });
}

/**
 * Resolves once every primary's replicas acknowledge a write (`FLUSHALL` on an empty deployment, then `WAIT`): a
 * replica that just synced can be `online` and still receive nothing for up to a second (see the tier's README), and
 * an invalidation's `WAIT` in that window would time out.
 */
async function replicationAcknowledged(primaries, replicas) {
  await until(async () => {
    for (const port of primaries) {
      const out = await cliLines(port, `FLUSHALL\nWAIT ${replicas} 1000\n`).catch(() => '');
      if (Number(out.trim().split('\n').at(-1)) < replicas) return false;
    }
    return true;
  }, 30_000, 'every replica acknowledging writes');
}

/** One redis-server or redis-sentinel process; `kill()` is SIGKILL, `start()` brings it back with the same arguments. */
function redisProcess(binary, port, args) {
  let child;
  return {
    port,
    get pid() {
      return child?.pid;
    },
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    async start() {
      const proc = spawn(binary, args, { stdio: 'ignore' });
      child = proc;
      await until(async () => {
        if (proc.exitCode !== null) throw new Error(`${binary} on ${port} exited with code ${proc.exitCode}`);
        return pings(port);
      }, 15_000, `${binary} on ${port}`);
    },
    async kill() {
      const proc = child;
      child = undefined;
      if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGKILL');
      await exited;
    },
  };
}

const FAST = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--repl-diskless-sync-delay', '0', '--maxmemory-policy', 'noeviction'];

/** Retries `start` (a new port range each time): a port found free can be taken before a server binds it. */
async function withRetries(start) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
}

/** Starts processes and runs `ready()`; on any failure stops what started and removes the temp dir. */
async function assemble(processes, dir, ready) {
  const stop = async () => {
    await Promise.all(processes.map((p) => p.kill()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await ready();
  } catch (error) {
    await stop();
    throw error;
  }
  return stop;
}

/**
 * A 3-primary, 3-replica Redis Cluster (`cluster-node-timeout` 2000 ms, no persistence, `noeviction`); about 2–3 s.
 * Resolves `{ kind: 'cluster', url, seeds, nodes, label, env, dbsize(), stop() }` (`dbsize()`: keys on the primaries): `url` is one node (what `createRedisTier({ url,
 * cluster: true })` takes), `seeds` every node, `env` the fleet app's variables for `client` (`'url'` the tier's own
 * connections, `'node-redis'` or `'ioredis'` an app's cluster client).
 */
export function startRedisCluster() {
  return withRetries(clusterOnce);
}

async function clusterOnce() {
  const base = await freeRange(6);
  const dir = mkdtempSync(join(tmpdir(), 'licenzy-cluster-'));
  const nodes = Array.from({ length: 6 }, (_, i) =>
    redisProcess(REDIS_SERVER, base + i, [
      '--port', String(base + i), ...FAST, '--dir', dir, '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${base + i}.conf`,
      '--cluster-node-timeout', '2000', '--cluster-replica-validity-factor', '0',
    ]),
  );
  const stop = await assemble(nodes, dir, async () => {
    await Promise.all(nodes.map((n) => n.start()));
    await cli(base, ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '1', '--cluster-yes']);
    // Every slot served and every replica synced, so the first writes are replicated (WAIT) at once.
    await until(async () => {
      for (const node of nodes) {
        if (!(await cli(node.port, ['CLUSTER', 'INFO']).catch(() => '')).includes('cluster_state:ok')) return false;
        const info = await cli(node.port, ['INFO', 'replication']).catch(() => '');
        if (info.includes('role:master') && !info.includes('connected_slaves:1')) return false;
        if (info.includes('role:slave') && !info.includes('master_link_status:up')) return false;
      }
      return true;
    }, 30_000, 'cluster_state:ok with every replica in sync');
    const roles = await Promise.all(nodes.map(async (n) => ((await cli(n.port, ['ROLE'])).startsWith('master') ? n.port : undefined)));
    await replicationAcknowledged(roles.filter((port) => port !== undefined), 1);
  });
  const seeds = nodes.map((n) => ({ host: '127.0.0.1', port: n.port }));
  return {
    kind: 'cluster',
    url: `redis://127.0.0.1:${base}`,
    seeds,
    nodes,
    label: `a 3+3 Redis Cluster on 127.0.0.1:${base}-${base + 5}`,
    dbsize: () => primaryKeys(nodes.map((n) => n.port)),
    env: (client = 'url') => ({ FLEET_REDIS_MODE: 'cluster', FLEET_REDIS_CLIENT: client, FLEET_REDIS_NODES: seeds.map((s) => `${s.host}:${s.port}`).join(',') }),
    stop,
  };
}

/**
 * 1 primary, 2 replicas and 3 sentinels (quorum 2, `down-after-milliseconds` 1000) monitoring `name`; about 2–4 s.
 * Resolves `{ kind: 'sentinel', url, name, sentinels, primary, replicas, label, env, dbsize(), stop() }`: `url` is one
 * Sentinel.
 */
export function startRedisSentinels(name = 'licenzy') {
  return withRetries(() => sentinelsOnce(name));
}

async function sentinelsOnce(name) {
  const base = await freeRange(6);
  const dir = mkdtempSync(join(tmpdir(), 'licenzy-sentinel-'));
  const primary = redisProcess(REDIS_SERVER, base, ['--port', String(base), ...FAST, '--dir', dir]);
  const replicas = [1, 2].map((i) => redisProcess(REDIS_SERVER, base + i, ['--port', String(base + i), ...FAST, '--dir', dir, '--replicaof', '127.0.0.1', String(base)]));
  const sentinels = [3, 4, 5].map((i) => {
    const file = join(dir, `sentinel-${base + i}.conf`);
    const lines = [
      `port ${base + i}`, 'bind 127.0.0.1', `dir ${dir}`, `sentinel monitor ${name} 127.0.0.1 ${base} 2`,
      `sentinel down-after-milliseconds ${name} 1000`, `sentinel failover-timeout ${name} 5000`, `sentinel parallel-syncs ${name} 2`, '',
    ];
    writeFileSync(file, lines.join('\n'));
    return redisProcess(REDIS_SENTINEL, base + i, [file]);
  });
  const stop = await assemble([primary, ...replicas, ...sentinels], dir, async () => {
    await primary.start();
    await Promise.all(replicas.map((r) => r.start()));
    await until(async () => (await cli(base, ['INFO', 'replication'])).includes('connected_slaves:2'), 15_000, 'replicas attached');
    await Promise.all(sentinels.map((s) => s.start()));
    await until(async () => {
      for (const s of sentinels) {
        const out = await cli(s.port, ['SENTINEL', 'master', name]).catch(() => '');
        if (!/num-other-sentinels\n2\b/.test(out) || !/num-slaves\n2\b/.test(out)) return false;
      }
      return true;
    }, 30_000, 'sentinels ready');
    await replicationAcknowledged([base], 2);
  });
  const seeds = sentinels.map((s) => ({ host: '127.0.0.1', port: s.port }));
  return {
    kind: 'sentinel',
    url: `redis://127.0.0.1:${sentinels[0].port}`,
    name,
    seeds,
    primary,
    replicas,
    sentinels,
    label: `Redis behind Sentinel (primary 127.0.0.1:${base}, 2 replicas, sentinels on ${base + 3}-${base + 5})`,
    dbsize: () => primaryKeys([primary, ...replicas].map((n) => n.port)),
    env: (client = 'url') => ({
      FLEET_REDIS_MODE: 'sentinel', FLEET_REDIS_CLIENT: client, FLEET_REDIS_NODES: seeds.map((s) => `${s.host}:${s.port}`).join(','), FLEET_REDIS_SENTINEL: name,
    }),
    stop,
  };
}
