// Test helper: a real redis-server on a free loopback port that a test can stop (crash) and start again.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';

export const REDIS_SERVER = process.env.REDIS_SERVER_BIN ?? '/usr/bin/redis-server';

/**
 * Whether redis-server can run here. In CI (`LICENZY_REQUIRE_SERVERS=1`) a missing binary throws one clear line;
 * elsewhere the caller skips its suite after this printed line.
 */
export function redisServerAvailable(binary = REDIS_SERVER): boolean {
  const found = spawnSync(binary, ['--version'], { stdio: 'ignore' }).status === 0;
  if (found) return true;
  const line = `redis-server not found at ${binary}: install it with \`apt-get install redis-server\` to run the Redis tier tests`;
  if (process.env.LICENZY_REQUIRE_SERVERS === '1') throw new Error(line);
  console.warn(`[licenzy-gate/redis] skipping: ${line}`);
  return false;
}

/** A loopback port free now (nothing listens on it once this resolves). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.write('PING\r\n');
    });
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
  });
}

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** The running process's id (for SIGSTOP/SIGCONT: a server that hangs instead of dying). */
  readonly pid: number;
  /** Starts the server (again, on the same port) and resolves once it answers PING. */
  start(): Promise<void>;
  /** Kills the server (SIGKILL: a crash, not a shutdown) and resolves once the process is gone. */
  stop(): Promise<void>;
}

export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      if (child?.pid === undefined) throw new Error('redis-server is not running');
      return child.pid;
    },
    async start() {
      const proc = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
        stdio: 'ignore',
      });
      child = proc;
      const deadline = Date.now() + 10_000;
      while (!(await canConnect(port))) {
        if (proc.exitCode !== null) throw new Error(`redis-server exited with code ${proc.exitCode}`);
        if (Date.now() > deadline) throw new Error('redis-server did not become ready within 10 s');
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async stop() {
      const proc = child;
      child = undefined;
      if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGKILL');
      await exited;
    },
  };
  await server.start();
  return server;
}

/** Polls `condition` until it holds (or throws after `timeout` ms): for conditions, never for time itself. */
export async function until(condition: () => boolean | Promise<boolean>, timeout = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
