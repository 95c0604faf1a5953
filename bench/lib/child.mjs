// Runs a benchmark participant (a server, the mock Licenzy, a microbenchmark) in its own process and talks to it over IPC.
import { execFileSync, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

const TASKSET = '/usr/bin/taskset';
/** Whether servers can be pinned to the last CPU, away from the load generator (Linux with util-linux). */
export const canPin = process.platform === 'linux' && existsSync(TASKSET) && cpus().length >= 2;

const childrenDir = fileURLToPath(new URL('../children/', import.meta.url));

/**
 * Forks `bench/children/<name>.mjs` with `config` (JSON in argv) and waits for its `ready` message;
 * `pin: true` runs it on the last CPU only (via taskset) where that is possible; `stdout: 'pipe'` keeps its stdout
 * for the caller (`child.stdout`) instead of passing it through; `wrapper` runs node under another command (valgrind).
 * Returns `{ info, call(cmd, args), stop() }`; `info` is what the child announced (e.g. its port).
 */
export async function startChild(name, config = {}, { execArgv = [], pin = false, stdout = 'inherit', wrapper = [] } = {}) {
  // Pinned: the server gets a CPU of its own, so the load generator and the server do not trade places on
  // one core between runs — on a 2-core machine that scheduling noise otherwise swamps a 1% difference.
  const pinned = pin && canPin;
  // `name` is a child in bench/children, or a path relative to bench/ (e.g. 'peers/child.mjs').
  const file = name.includes('/') ? fileURLToPath(new URL(`../${name}`, import.meta.url)) : childrenDir + name + '.mjs';
  // `wrapper` (experiments): a command the child runs under, e.g. ['/usr/bin/valgrind', '--tool=callgrind'].
  const node = wrapper.length > 0 ? [...wrapper.slice(1), process.execPath] : [];
  const child = fork(file, [JSON.stringify(config)], {
    ...(pinned
      ? { execPath: TASKSET, execArgv: ['-c', String(cpus().length - 1), ...(wrapper.length > 0 ? [wrapper[0], ...node] : [process.execPath]), ...execArgv] }
      : wrapper.length > 0 ? { execPath: wrapper[0], execArgv: [...node, ...execArgv] } : { execArgv }),
    stdio: ['ignore', stdout, 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  const pending = new Map();
  let nextId = 1;
  let exited = false;
  const exit = new Promise((resolve) => child.once('exit', (code, signal) => {
    exited = true;
    const error = new Error(`bench child ${name} exited (${signal ?? code})`);
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
    resolve();
  }));
  const info = await new Promise((resolve, reject) => {
    child.once('error', reject);
    exit.then(() => reject(new Error(`bench child ${name} exited before it was ready`)));
    child.on('message', (message) => {
      if (message.type === 'ready') return resolve(message.info);
      const waiter = pending.get(message.id);
      if (waiter === undefined) return;
      pending.delete(message.id);
      if (message.error !== undefined) waiter.reject(new Error(`${name}: ${message.error}`));
      else waiter.resolve(message.result);
    });
  });

  return {
    info,
    pid: child.pid,
    /** The child's stdout, when started with `stdout: 'pipe'`. */
    stdout: child.stdout,
    call(cmd, args) {
      if (exited) return Promise.reject(new Error(`bench child ${name} is not running`));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        child.send({ id, cmd, args });
      });
    },
    async stop() {
      // Disconnecting lets the child exit on its own (so --cpu-prof and the like get written); SIGTERM if it lingers.
      if (!exited && child.connected) child.disconnect();
      const timer = setTimeout(() => exited || child.kill('SIGTERM'), 2_000);
      await exit;
      clearTimeout(timer);
    },
  };
}

/**
 * The child's side: announces `info` and answers `{ id, cmd, args }` messages with `handlers[cmd](args)`.
 * The child exits when the parent goes away, so a crashed run leaves no servers behind.
 */
export function serveParent(handlers, info = {}) {
  process.on('message', async ({ id, cmd, args }) => {
    try {
      const handler = handlers[cmd];
      if (handler === undefined) throw new Error(`unknown command ${cmd}`);
      process.send({ id, result: await handler(args) });
    } catch (error) {
      process.send({ id, error: error instanceof Error ? error.stack ?? error.message : String(error) });
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send({ type: 'ready', info });
}

/** The JSON config the parent passed to {@link startChild}. */
export function childConfig() {
  return JSON.parse(process.argv[2] ?? '{}');
}

/** CPU time (user + system) this process has used, in microseconds. */
export function cpuMicros() {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/**
 * Pins this process (every thread: the load generator) to the first CPU, away from the servers on the last one, until
 * the returned function restores the CPUs it had. Without it the scheduler now and then runs autocannon on the
 * server's CPU, which the server then pays for in CPU time per request (caches, preemption). A no-op where servers
 * are not pinned.
 */
export function pinLoadGenerator() {
  if (!canPin) return () => {};
  const list = execFileSync(TASKSET, ['-cp', String(process.pid)], { encoding: 'utf8' }).split(':').pop().trim();
  execFileSync(TASKSET, ['-a', '-cp', '0', String(process.pid)], { stdio: 'ignore' });
  return () => execFileSync(TASKSET, ['-a', '-cp', list, String(process.pid)], { stdio: 'ignore' });
}
