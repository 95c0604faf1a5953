// Test helper: a real 3-primary/3-replica Redis Cluster, and a Sentinel deployment (1 primary, 2 replicas, 3
// sentinels), on 127.0.0.1 ports from a free range; a test kills, fails over and stops them.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REDIS_SERVER, until } from './redis-server.js';

export const REDIS_CLI = process.env.REDIS_CLI_BIN ?? '/usr/bin/redis-cli';
export const REDIS_SENTINEL = process.env.REDIS_SENTINEL_BIN ?? '/usr/bin/redis-sentinel';

/**
 * Whether the cluster (redis-server, redis-cli) or Sentinel (also redis-sentinel) tests can run. In CI
 * (`LICENZY_REQUIRE_SERVERS=1`) a missing binary throws one line; elsewhere the suite skips after printing it.
 */
export function redisTopologyAvailable(what: 'cluster' | 'sentinel', binaries = { server: REDIS_SERVER, cli: REDIS_CLI, sentinel: REDIS_SENTINEL }): boolean {
  const needed = what === 'cluster' ? [binaries.server, binaries.cli] : [binaries.server, binaries.cli, binaries.sentinel];
  const missing = needed.find((binary) => spawnSync(binary, ['--version'], { stdio: 'ignore' }).status !== 0);
  if (missing === undefined) return true;
  const line = `${missing} not found: install it with \`apt-get install redis-server redis-sentinel\` to run the Redis ${what} tests`;
  if (process.env.LICENZY_REQUIRE_SERVERS === '1') throw new Error(line);
  console.warn(`[licenzy-gate/redis] skipping: ${line}`);
  return false;
}

const free = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/** `count` consecutive free ports whose cluster bus ports (+10000) are free too, from 20000–29999. */
async function freeRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * (10_000 - count));
    let ok = true;
    for (let i = 0; i < count && ok; i++) ok = (await free(base + i)) && (await free(base + i + 10_000));
    if (ok) return base;
  }
  throw new Error('no free port range for the Redis test servers');
}

/** Sends one inline command and resolves its reply text (undefined when unreachable). */
export function inline(port: number, command: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.once('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (chunk) => {
      data += chunk.toString();
      // A bulk or simple reply is complete once its last line ended.
      if (/^[+\-:]/.test(data) ? data.endsWith('\r\n') : data.split('\r\n').length > 2) {
        socket.destroy();
        resolve(data);
      }
    });
    socket.once('error', () => resolve(undefined));
    socket.setTimeout(2000, () => {
      socket.destroy();
      resolve(undefined);
    });
  });
}

/** One redis-server (or redis-sentinel) process on a port, restartable with the same arguments. */
export interface RedisProcess {
  readonly port: number;
  readonly running: boolean;
  start(): Promise<void>;
  /** SIGKILL (a crash), resolved once the process is gone. */
  kill(): Promise<void>;
}

function redisProcess(binary: string, port: number, args: string[]): RedisProcess {
  let child: ChildProcess | undefined;
  return {
    port,
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    async start() {
      const proc = spawn(binary, args, { stdio: 'ignore' });
      child = proc;
      await until(async () => {
        if (proc.exitCode !== null) throw new Error(`${binary} on ${port} exited with code ${proc.exitCode}`);
        return (await inline(port, 'PING'))?.startsWith('+PONG') === true;
      }, 10_000, `${binary} on ${port}`);
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

export interface RedisCluster {
  /** 127.0.0.1 ports of the six nodes. */
  readonly nodes: readonly RedisProcess[];
  readonly seeds: ReadonlyArray<{ host: string; port: number }>;
  readonly url: string;
  /** The port of the primary serving `key`'s slot now. */
  primaryOf(key: string): Promise<number>;
  /** That primary's replica (the one promoted when it fails). */
  replicaOf(primaryPort: number): Promise<number>;
  /** Waits until every slot is served again (`cluster_state:ok` on every live node). */
  healthy(timeout?: number): Promise<void>;
  stop(): Promise<void>;
}

const FAST = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--repl-diskless-sync-delay', '0', '--maxmemory-policy', 'noeviction'];

/** Options of {@link startRedisCluster}. */
export interface RedisClusterOptions {
  /** `cluster-node-timeout` in ms: how long a silent primary takes to be failed over. Default `2000`. */
  readonly nodeTimeout?: number;
}

/** Starts 3 primaries + 3 replicas (`cluster-node-timeout` 2000 ms) and creates the cluster; about 2–3 s. */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisCluster> {
  const nodeTimeout = String(options.nodeTimeout ?? 2000);
  const base = await freeRange(6);
  const dir = mkdtempSync(join(tmpdir(), 'licenzy-cluster-'));
  const nodes = Array.from({ length: 6 }, (_, i) =>
    redisProcess(REDIS_SERVER, base + i, [
      '--port', String(base + i), ...FAST, '--dir', dir, '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${base + i}.conf`,
      '--cluster-node-timeout', nodeTimeout, '--cluster-replica-validity-factor', '0',
    ]),
  );
  const cluster: RedisCluster = {
    nodes,
    seeds: nodes.map((n) => ({ host: '127.0.0.1', port: n.port })),
    url: `redis://127.0.0.1:${base}`,
    async primaryOf(key) {
      const live = nodes.find((n) => n.running)!;
      const slot = Number((await inline(live.port, `CLUSTER KEYSLOT ${key}`))?.slice(1, -2));
      const owner = (await clusterNodes(live.port)).find((n) => n.primary && n.ranges.some(([a, b]) => slot >= a && slot <= b));
      if (owner === undefined) throw new Error(`no primary for slot ${slot}`);
      return owner.port;
    },
    async replicaOf(primaryPort) {
      const live = nodes.find((n) => n.running)!;
      const all = await clusterNodes(live.port);
      const id = all.find((n) => n.port === primaryPort)?.id;
      const replica = all.find((n) => n.primaryId === id && !n.failed);
      if (replica === undefined) throw new Error(`no replica of ${primaryPort}`);
      return replica.port;
    },
    async healthy(timeout = 15_000) {
      await until(async () => {
        for (const node of nodes.filter((n) => n.running)) {
          if (!(await cli(node.port, ['CLUSTER', 'INFO']).catch(() => '')).includes('cluster_state:ok')) return false;
        }
        return true;
      }, timeout, 'cluster_state:ok');
    },
    async stop() {
      await Promise.all(nodes.map((n) => n.kill()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await Promise.all(nodes.map((n) => n.start()));
    await cli(base, ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '1', '--cluster-yes']);
    await cluster.healthy();
    // Every replica attached and synced, so a failover test starts from a replicated state.
    await until(async () => {
      for (const node of nodes) {
        const info = await cli(node.port, ['INFO', 'replication']);
        if (info.includes('role:master') && !info.includes('connected_slaves:1')) return false;
        if (info.includes('role:slave') && !info.includes('master_link_status:up')) return false;
      }
      return true;
    }, 15_000, 'replicas in sync');
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}

export interface ClusterNode {
  readonly id: string;
  readonly port: number;
  readonly primary: boolean;
  readonly failed: boolean;
  readonly primaryId: string;
  readonly ranges: Array<[number, number]>;
}

/** CLUSTER NODES as one node sees it. */
export async function clusterNodes(port: number): Promise<ClusterNode[]> {
  const out = await cli(port, ['CLUSTER', 'NODES']);
  return out.trim().split('\n').map((line) => {
    const [id = '', address = '', flags = '', primaryId = '', , , , , ...slots] = line.trim().split(' ');
    const ranges = slots.filter((s) => /^\d/.test(s)).map((s) => {
      const [a, b] = s.split('-').map(Number) as [number, number?];
      return [a, b ?? a] as [number, number];
    });
    return { id, port: Number(address.split('@')[0]!.split(':')[1]), primary: flags.includes('master'), failed: flags.includes('fail'), primaryId, ranges };
  });
}

/** Runs redis-cli against a local port; rejects on a non-zero exit or an error reply. */
export function cli(port: number, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const proc = spawn(REDIS_CLI, ['-h', '127.0.0.1', '-p', String(port), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    proc.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    proc.once('exit', (code) => (code === 0 && !/^(ERR|CLUSTERDOWN|MOVED|Could not connect)/m.test(out) ? resolve(out) : reject(new Error(out.slice(0, 500)))));
  });
}

export interface RedisSentinels {
  readonly primary: RedisProcess;
  readonly replicas: readonly RedisProcess[];
  readonly sentinels: readonly RedisProcess[];
  /** The monitored primary's name. */
  readonly name: string;
  /** The port the Sentinels name as primary now. */
  currentPrimary(): Promise<number>;
  stop(): Promise<void>;
}

/** 1 primary, 2 replicas, 3 sentinels (quorum 2, `down-after-milliseconds` 1000): promotion in about 2–3 s. */
export async function startRedisSentinels(name = 'licenzy'): Promise<RedisSentinels> {
  const base = await freeRange(6);
  const dir = mkdtempSync(join(tmpdir(), 'licenzy-sentinel-'));
  const primary = redisProcess(REDIS_SERVER, base, ['--port', String(base), ...FAST, '--dir', dir]);
  const replicas = [1, 2].map((i) =>
    redisProcess(REDIS_SERVER, base + i, ['--port', String(base + i), ...FAST, '--dir', dir, '--replicaof', '127.0.0.1', String(base)]),
  );
  const sentinels = [3, 4, 5].map((i) => {
    const file = join(dir, `sentinel-${base + i}.conf`);
    writeFileSync(
      file,
      [
        `port ${base + i}`, 'bind 127.0.0.1', `dir ${dir}`,
        `sentinel monitor ${name} 127.0.0.1 ${base} 2`,
        `sentinel down-after-milliseconds ${name} 1000`,
        `sentinel failover-timeout ${name} 5000`,
        `sentinel parallel-syncs ${name} 2`, '',
      ].join('\n'),
    );
    return redisProcess(REDIS_SENTINEL, base + i, [file]);
  });
  const all = [primary, ...replicas, ...sentinels];
  const deployment: RedisSentinels = {
    primary,
    replicas,
    sentinels,
    name,
    async currentPrimary() {
      for (const sentinel of sentinels.filter((s) => s.running)) {
        const out = await cli(sentinel.port, ['SENTINEL', 'get-master-addr-by-name', name]).catch(() => '');
        const port = Number(out.split('\n')[1]);
        if (Number.isInteger(port) && port > 0) return port;
      }
      throw new Error('no sentinel answered');
    },
    async stop() {
      await Promise.all(all.map((p) => p.kill()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await primary.start();
    await Promise.all(replicas.map((r) => r.start()));
    await until(async () => (await cli(base, ['INFO', 'replication'])).includes('connected_slaves:2'), 10_000, 'replicas attached');
    await Promise.all(sentinels.map((s) => s.start()));
    // Every sentinel knows the others and both replicas before a test fails anything over.
    await until(async () => {
      for (const s of sentinels) {
        const out = await cli(s.port, ['SENTINEL', 'master', name]).catch(() => '');
        if (!/num-other-sentinels\n2\b/.test(out) || !/num-slaves\n2\b/.test(out)) return false;
      }
      return true;
    }, 15_000, 'sentinels ready');
  } catch (error) {
    await deployment.stop();
    throw error;
  }
  return deployment;
}

/** CRC16 (XMODEM), as Redis Cluster hashes keys. */
function crc16(bytes: Buffer): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** The hash slot of `key` (its `{tag}` when it has a non-empty one), computed here instead of asking a node per key. */
export function hashSlot(key: string): number {
  const open = key.indexOf('{');
  const close = open === -1 ? -1 : key.indexOf('}', open + 1);
  const hashed = close > open + 1 ? key.slice(open + 1, close) : key;
  return crc16(Buffer.from(hashed)) % 16384;
}

/** Resolves once `port` answers `ROLE` with `role` (a replica also with its link to the primary up). */
export async function waitForRole(port: number, role: 'master' | 'slave', timeout = 15_000): Promise<void> {
  await until(async () => {
    const out = await cli(port, ['ROLE']).catch(() => '');
    if (!out.startsWith(role)) return false;
    return role === 'master' || (await cli(port, ['INFO', 'replication']).catch(() => '')).includes('master_link_status:up');
  }, timeout, `${port} as ${role}`);
}
