// `npm start -- --instances 3 [--redis cluster|sentinel]` must stay true: its printed curl lines show a revocation sent
// to instance 1 denying on instance 3, and without the Redis binaries it says how to install them in one line and
// exits non-zero.
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { redisServerAvailable } from '../../packages/redis/test/redis-server.js';
import { topologyMissing } from '../../scripts/lib/redis-topology.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);
const available = redisServerAvailable();
/** Whether the cluster or Sentinel demo can run here (in CI, with LICENZY_REQUIRE_SERVERS=1, it must). */
function topologyAvailable(kind: 'cluster' | 'sentinel'): boolean {
  const missing = topologyMissing(kind);
  if (missing !== undefined && process.env.LICENZY_REQUIRE_SERVERS === '1') throw new Error(missing);
  return missing === undefined;
}

describe('npm start -- --instances 3', () => {
  it.skipIf(!available)('--check: every printed line answers as its comment says (revoke via instance 1, 403 on instance 3)', async () => {
    const { stdout } = await run(process.execPath, ['scripts/start.mjs', '--instances', '3', '--check'], { cwd: root, timeout: 60_000 });
    const port = String.raw`http://127\.0\.0\.1:\d+`;
    expect(stdout).toMatch(/checked: 1 Licenzy call\)/);
    expect(stdout).toMatch(new RegExp(String.raw`curl -i ${port}/pro/report -H 'Authorization: Demo user_paid'\s+# 200 on instance 2 \(checked: 200\)`));
    expect(stdout).toMatch(new RegExp(String.raw`curl -X POST ${port}/_mock/subjects/user_paid/revoke .*\(checked: 200\)`));
    expect(stdout).toMatch(/# 403 on instance 3, which never received the webhook \(checked: 403\)/);
    expect(stdout).toMatch(/# 200 on instance 3 again \(checked: 200\)/);
    expect(stdout).toContain('Ctrl-C stops everything');
    expect(stdout).not.toMatch(/whsec_|lz_test_/); // neither the webhook secret nor the API key is printed
  }, 90_000);

  it('without redis-server: one line saying how to install it, exit code 1', async () => {
    const failed = await run(process.execPath, ['scripts/start.mjs', '--instances', '3', '--check'], {
      cwd: root,
      timeout: 30_000,
      env: { ...process.env, REDIS_SERVER_BIN: '/nonexistent/redis-server' },
    }).then(() => undefined, (error: { code?: number; stderr?: string; stdout?: string }) => error);
    expect(failed?.code).toBe(1);
    expect(failed?.stderr?.trim()).toMatch(/^redis-server not found at \/nonexistent\/redis-server: install it with `sudo apt-get install redis-server`/);
    expect(failed?.stderr?.trim().split('\n')).toHaveLength(1);
    expect(failed?.stdout).toBe('');
  });
});

// Issue 24: the same demo on a throwaway Redis Cluster and Sentinel deployment, with the same checked lines.
describe.each(['cluster', 'sentinel'] as const)('npm start -- --instances 3 --redis %s', (kind) => {
  it.skipIf(!topologyAvailable(kind))('--check: the revocation sent to instance 1 denies on instance 3, and every Redis process is gone after', async () => {
    const { stdout } = await run(process.execPath, ['scripts/start.mjs', '--instances', '3', '--redis', kind, '--check'], { cwd: root, timeout: 90_000 });
    const banner = kind === 'cluster' ? /on a 3\+3 Redis Cluster on 127\.0\.0\.1:(\d+)-\d+,/ : /on Redis behind Sentinel \(primary 127\.0\.0\.1:(\d+),/;
    expect(stdout).toMatch(banner);
    expect(stdout).toMatch(/checked: 1 Licenzy call\)/);
    expect(stdout).toMatch(/# 200 on instance 2 \(checked: 200\)/);
    expect(stdout).toMatch(/# 403 on instance 3, which never received the webhook \(checked: 403\)/);
    expect(stdout).toMatch(/# 200 on instance 3 again \(checked: 200\)/);
    expect(stdout).not.toMatch(/whsec_|lz_test_/);
    // Stopped on exit: nothing answers on the topology's first port any more.
    const port = Number(banner.exec(stdout)?.[1]);
    expect(port).toBeGreaterThan(0);
    await expect(connectable(port)).resolves.toBe(false);
  }, 120_000);

  it('without redis-cli: one line naming what is missing and how to install it, exit code 1', async () => {
    const failed = await run(process.execPath, ['scripts/start.mjs', '--instances', '3', '--redis', kind, '--check'], {
      cwd: root,
      timeout: 60_000,
      env: { ...process.env, REDIS_CLI_BIN: '/nonexistent/redis-cli' },
    }).then(() => undefined, (error: { code?: number; stderr?: string; stdout?: string }) => error);
    expect(failed?.code).toBe(1);
    expect(failed?.stderr?.trim()).toMatch(/^(\/nonexistent\/redis-cli|\S*redis-server) not found: install it with `sudo apt-get install redis-server redis-sentinel`/);
    expect(failed?.stderr?.trim().split('\n')).toHaveLength(1);
  });
});

describe('npm start -- --redis', () => {
  it('refuses an unknown topology, and --redis without --instances, with exit code 2', async () => {
    const bad = await run(process.execPath, ['scripts/start.mjs', '--instances', '3', '--redis', 'clustr', '--check'], { cwd: root, timeout: 60_000 })
      .then(() => undefined, (error: { code?: number; stderr?: string }) => error);
    expect(bad?.code).toBe(2);
    expect(bad?.stderr).toMatch(/--redis expects one of single, cluster, sentinel, got "clustr"/);
    const alone = await run(process.execPath, ['scripts/start.mjs', '--redis', 'cluster', '--check'], { cwd: root, timeout: 60_000 })
      .then(() => undefined, (error: { code?: number; stderr?: string }) => error);
    expect(alone?.code).toBe(2);
    expect(alone?.stderr).toMatch(/--redis takes effect with --instances N/);
  });
});

function connectable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
