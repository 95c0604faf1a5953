// Starts a runtime's server as a child process and waits until it says where it listens; stops it again.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

/** What every entry reports once it listens (fixtures/probe.mjs): env keys read at import, packages loaded. */
export interface LoadReport {
  envReadAtImport: string[];
  /** Workspace package folders the process loaded, e.g. `packages/core/dist`; `null` where the runtime cannot say. */
  packages: string[] | null;
}

/** A running runtime child serving the gated app. */
export interface RunningServer {
  url: string;
  report: LoadReport;
  /** Wall time from spawn to "listening", in ms. */
  startMs: number;
  /** What the child wrote so far (stdout and stderr, the last 64 KiB), e.g. to show no secret reached its log. */
  output(): string;
  stop(): Promise<void>;
}

/** Generous: a cold start of deno or workerd on a loaded 2-core machine. */
export const START_TIMEOUT_MS = 60_000;

export interface SpawnOptions {
  cwd: string;
  env: Record<string, string | undefined>;
  /** How to read "where it listens" from what the child writes; default: the `listening on <url> <json>` line. */
  ready?: (child: ChildProcess, output: () => string) => Promise<{ url: string; report?: LoadReport }>;
  /** Extra stdio slots after stdout and stderr (workerd's control fd). */
  extraStdio?: 'pipe'[];
}

const LISTENING = /listening on (http:\/\/127\.0\.0\.1:\d+) (\{.*\})\n/;

/** The default readiness: the first `listening on http://127.0.0.1:<port> <load report>` line on stdout. */
function listeningLine(child: ChildProcess): Promise<{ url: string; report: LoadReport }> {
  return new Promise((resolve) => {
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const match = LISTENING.exec(out);
      if (match?.[1] && match[2]) resolve({ url: match[1], report: JSON.parse(match[2]) as LoadReport });
    });
  });
}

/**
 * Spawns `binary args` and resolves once it listens. Rejects (never skips) when the binary is missing, the child exits
 * first or START_TIMEOUT_MS passes, with what the child wrote, so a runtime that cannot run here says why.
 */
export async function startChild(name: string, binary: string, args: string[], options: SpawnOptions): Promise<RunningServer> {
  if (!existsSync(binary)) throw new Error(`${name}: no binary at ${binary} (npm ci installs it from the root devDependencies)`);
  const started = performance.now();
  const child = spawn(binary, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe', ...(options.extraStdio ?? [])] });
  let stderr = '';
  let output = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-8_000);
    output = (output + chunk).slice(-65_536);
  });
  child.stdout?.on('data', (chunk: Buffer | string) => {
    output = (output + String(chunk)).slice(-65_536);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let timer: NodeJS.Timeout | undefined;
  try {
    const ready = options.ready ? options.ready(child, () => stderr) : listeningLine(child);
    const failed = new Promise<never>((_, reject) => {
      child.once('error', (error) => reject(new Error(`${name}: could not start ${binary}: ${error.message}`)));
      void exited.then((code) => reject(new Error(`${name} exited with ${code} before listening:\n${stderr}`)));
      timer = setTimeout(() => reject(new Error(`${name} did not listen within ${START_TIMEOUT_MS} ms:\n${stderr}`)), START_TIMEOUT_MS);
    });
    const { url, report } = await Promise.race([ready, failed]);
    const startMs = Math.round(performance.now() - started);
    return { url, report: report ?? { envReadAtImport: [], packages: null }, startMs, output: () => output, stop: () => stop(child, exited) };
  } catch (error) {
    await stop(child, exited);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** SIGTERM, then SIGKILL if it is still there after 5 s; resolves once it exited. */
async function stop(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(killer);
}
