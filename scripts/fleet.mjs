// Starts the pieces of a multi-instance deployment on loopback (issue 9): app instances as separate Node processes
// (scripts/fleet-app.mjs, or any server that prints "listening on <url>") and a throwaway redis-server.
// Used by tests/multi-instance, bench/multi-instance.mjs and `npm start -- --instances N`.
import { fork, spawn, spawnSync } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { buildStale } from './build-stale.mjs';

/** The fleet app's entry point. */
export const FLEET_APP = fileURLToPath(new URL('./fleet-app.mjs', import.meta.url));
/** redis-server to run: `REDIS_SERVER_BIN`, else Debian's path. */
export const REDIS_SERVER = process.env.REDIS_SERVER_BIN ?? '/usr/bin/redis-server';
/** The one line a developer without redis-server gets. */
export const REDIS_MISSING = `redis-server not found at ${REDIS_SERVER}: install it with \`sudo apt-get install redis-server\` (or set REDIS_SERVER_BIN)`;

/** Polls `condition` until it holds, or throws after `timeout` ms: for conditions, never for time itself. */
export async function until(condition, timeout = 5000, what = 'condition') {
  const deadline = Date.now() + timeout;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}


/** Builds every package whose dist/ is stale, @licenzy-gate/redis included. Returns false if a build failed. */
export function buildRedisIfStale() {
  return buildStale();
}

/** Whether {@link REDIS_SERVER} runs here. */
export function redisServerInstalled() {
  return spawnSync(REDIS_SERVER, ['--version'], { stdio: 'ignore' }).status === 0;
}

/** A free TCP port on 127.0.0.1 (free when asked; bind it soon). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Sends one inline command and resolves its first reply line (e.g. `+PONG`, `:42`), or undefined if unreachable. */
function inlineCommand(port, command) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => socket.write(`${command}\r\n`));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().split('\r\n')[0]);
    });
    socket.once('error', () => resolve(undefined));
  });
}

const answersPing = async (port) => (await inlineCommand(port, 'PING')) === '+PONG';

/**
 * Starts redis-server on a free loopback port, without persistence and with `noeviction` (see docs/multi-instance.md).
 * Returns `{ url, port, pid, start(), stop(), pause(), resume(), dbsize() }`: `stop()` is SIGKILL (a crash), `start()`
 * brings it back on the same port, `pause()`/`resume()` SIGSTOP/SIGCONT it (a server that hangs rather than refuses),
 * `dbsize()` counts its keys (to wait until a write-through has landed).
 */
export async function startRedis({ port } = {}) {
  const listenOn = port ?? (await freePort());
  let child;
  const redis = {
    port: listenOn,
    url: `redis://127.0.0.1:${listenOn}`,
    get pid() {
      return child?.pid;
    },
    async start() {
      const args = ['--port', String(listenOn), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'];
      const proc = spawn(REDIS_SERVER, args, { stdio: 'ignore' });
      child = proc;
      const deadline = Date.now() + 10_000;
      while (!(await answersPing(listenOn))) {
        if (proc.exitCode !== null) throw new Error(`redis-server exited with code ${proc.exitCode}`);
        if (Date.now() > deadline) throw new Error('redis-server did not answer PING within 10 s');
        await new Promise((resolve) => setTimeout(resolve, 20));
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
    async dbsize() {
      const reply = await inlineCommand(listenOn, 'DBSIZE');
      return reply?.startsWith(':') ? Number(reply.slice(1)) : NaN;
    },
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
  };
  await redis.start();
  return redis;
}

/**
 * Starts one app process and resolves once it prints `listening on <url>`. With `ipc: true` (the fleet app) the
 * process is forked and `call(cmd, args)` talks to it; otherwise it is spawned. `output` gets its stdout and stderr
 * after the ready line (e.g. `process.stdout.write`); before it, the last lines are kept for the error message.
 * Returns `{ url, pid, call, stop(), child }`.
 */
export function startInstance({ script = FLEET_APP, env = {}, ipc = script === FLEET_APP, output } = {}) {
  const options = { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe', ...(ipc ? ['ipc'] : [])] };
  const child = ipc ? fork(script, [], options) : spawn(process.execPath, [script], options);
  const pending = new Map();
  let nextId = 1;
  let exited = child.exitCode !== null;
  const exit = new Promise((resolve) => child.once('exit', () => {
    exited = true;
    for (const { reject } of pending.values()) reject(new Error(`instance ${child.pid} exited`));
    pending.clear();
    resolve();
  }));
  if (ipc) {
    child.on('message', (message) => {
      const waiter = pending.get(message?.id);
      if (waiter === undefined) return;
      pending.delete(message.id);
      if (message.error !== undefined) waiter.reject(new Error(message.error));
      else waiter.resolve(message.result);
    });
  }
  return new Promise((resolve, reject) => {
    let log = '';
    let url;
    const onData = (chunk) => {
      if (url !== undefined) return output?.(chunk);
      log = (log + chunk).slice(-4000);
      url = /listening on (http:\/\/\S+)/.exec(log)?.[1];
      if (url !== undefined) resolve(instance(url));
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    exit.then(() => reject(new Error(`instance exited before it listened:\n${log}`)));
  });

  function instance(url) {
    return {
      url,
      pid: child.pid,
      child,
      call(cmd, args) {
        if (exited || !ipc) return Promise.reject(new Error(exited ? 'instance is not running' : 'no IPC channel'));
        const id = nextId++;
        return new Promise((resolve, reject) => {
          pending.set(id, { resolve, reject });
          child.send({ id, cmd, args });
        });
      },
      async stop() {
        if (exited) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => exited || child.kill('SIGKILL'), 3_000);
        await exit;
        clearTimeout(timer);
      },
    };
  }
}

/** Starts `count` fleet app instances with the same environment; stops the ones already started if one fails. */
export async function startFleet(count, env, options = {}) {
  const settled = await Promise.allSettled(Array.from({ length: count }, () => startInstance({ ...options, env })));
  const started = settled.filter((s) => s.status === 'fulfilled').map((s) => s.value);
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed !== undefined) {
    await Promise.all(started.map((instance) => instance.stop()));
    throw failed.reason;
  }
  return started;
}
