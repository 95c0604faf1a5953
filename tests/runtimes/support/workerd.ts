// Serves the gated app on workerd: bundles fixtures/worker.mjs with esbuild as wrangler would (conditions `workerd`,
// `worker`, `browser`; `node:*` left to workerd's nodejs_compat), writes a capnp config into a temp dir, starts workerd.
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { build } from 'esbuild';
import { startChild, type LoadReport, type RunningServer } from './child.js';
import { BIN, FIXTURES } from './paths.js';

/** The compatibility date the Worker is configured with (any date this workerd supports, with `nodejs_compat`). */
export const WORKERD_COMPAT_DATE = '2025-09-01';

/** The capnp config: the Worker, its Licenzy bindings (URL, key, webhook secret) from the environment, and an outbound network that reaches 127.0.0.1. */
function capnpConfig(): string {
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .gated),
    # The default outbound allows public addresses only; the local Licenzy is on 127.0.0.1.
    (name = "licenzy-net", network = (allow = ["local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:0", http = (), service = "main")],
);

const gated :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "probe.mjs", esModule = embed "probe.mjs"),
  ],
  compatibilityDate = "${WORKERD_COMPAT_DATE}",
  compatibilityFlags = ["nodejs_compat"],
  bindings = [
    (name = "LICENZY_API_URL", fromEnvironment = "LICENZY_API_URL"),
    (name = "LICENZY_API_KEY", fromEnvironment = "LICENZY_API_KEY"),
    (name = "LICENZY_WEBHOOK_SECRET", fromEnvironment = "LICENZY_WEBHOOK_SECRET"),
  ],
  globalOutbound = "licenzy-net",
);
`;
}

/** Bundles the Worker; returns the workspace package folders that went into it (e.g. `packages/core/dist`). */
async function bundle(dir: string): Promise<string[]> {
  const result = await build({
    entryPoints: [join(FIXTURES, 'worker.mjs')],
    outfile: join(dir, 'worker.js'),
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    external: ['node:*', './probe.mjs'],
    // No tsconfig.json lookup: the repo's `paths` would bundle the packages' sources instead of their build.
    tsconfigRaw: {},
    metafile: true,
    logLevel: 'silent',
  });
  copyFileSync(join(FIXTURES, 'probe.mjs'), join(dir, 'probe.mjs'));
  const folders = Object.keys(result.metafile.inputs).map((path) => /(?:^|\/)(packages\/[\w-]+\/[\w-]+)\//.exec(path)?.[1]);
  return [...new Set(folders.filter((folder): folder is string => folder !== undefined))].sort();
}

/** workerd writes `{"event":"listen","socket":"http","port":N}` to the control fd once the socket is bound. */
function listenEvent(child: ChildProcess): Promise<string> {
  return new Promise((resolve) => {
    let out = '';
    (child.stdio[3] as Readable).setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      for (const line of out.split('\n')) {
        const event = /^\{.*"event":"listen".*\}$/.test(line) ? (JSON.parse(line) as { socket?: string; port?: number }) : undefined;
        if (event?.socket === 'http' && event.port) resolve(`http://127.0.0.1:${event.port}`);
      }
    });
  });
}

/** Bundles, configures and starts workerd; `startMs` includes the bundling. */
export async function startWorkerd(env: Record<string, string>): Promise<RunningServer & { bundleMs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'licenzy-workerd-'));
  const bundleStarted = performance.now();
  const packages = await bundle(dir);
  const bundleMs = Math.round(performance.now() - bundleStarted);
  writeFileSync(join(dir, 'config.capnp'), capnpConfig());
  const server = await startChild('workerd', join(BIN, 'workerd'), ['serve', 'config.capnp', '--control-fd=3'], {
    cwd: dir,
    env: { ...env, PATH: process.env.PATH },
    extraStdio: ['pipe'],
    ready: async (child) => {
      const url = await listenEvent(child);
      // What the Worker saw at import time (there is no stdout line to carry it), plus what was bundled.
      const seen = (await (await fetch(`${url}/_runtime/load-report`)).json()) as LoadReport;
      return { url, report: { envReadAtImport: seen.envReadAtImport, packages } };
    },
  });
  return {
    ...server,
    startMs: server.startMs + bundleMs,
    bundleMs,
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
