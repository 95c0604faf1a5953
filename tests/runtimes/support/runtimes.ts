// The four runtimes the gated app (fixtures/app.mjs) is served on, each started the way a user would run it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChild, type RunningServer } from './child.js';
import { BIN, FIXTURES, ROOT } from './paths.js';
import { startWorkerd } from './workerd.js';

/**
 * The Licenzy a runtime's app is pointed at: its URL, (fake, test-mode) key and webhook secret, passed as environment
 * variables / bindings.
 */
export interface LicenzyTarget {
  url: string;
  key: string;
  /** The Standard Webhooks secret (`whsec_…`) the app's webhook route verifies deliveries with. */
  webhookSecret: string;
}

export interface Runtime {
  name: 'node' | 'bun' | 'deno' | 'workerd';
  start(licenzy: LicenzyTarget): Promise<RunningServer>;
}

/** The child's environment: only what it needs, so nothing of the test process leaks in (no secret, no VITEST_*). */
function childEnv(licenzy: LicenzyTarget, extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), LICENZY_API_URL: licenzy.url, LICENZY_API_KEY: licenzy.key, LICENZY_WEBHOOK_SECRET: licenzy.webhookSecret, ...extra };
}

/**
 * Deno flags: the narrowest that run the app. `--allow-read` because the packages' ESM entry loads their CommonJS
 * build (require() reads the files); env access only to the three variables the entry reads at start.
 */
export const DENO_FLAGS = ['--allow-net=127.0.0.1', '--allow-env=LICENZY_API_URL,LICENZY_API_KEY,LICENZY_WEBHOOK_SECRET', '--no-lock', '--no-prompt'];

export const RUNTIMES: Runtime[] = [
  {
    name: 'node',
    start: (licenzy) => startChild('node', process.execPath, ['node.mjs'], { cwd: FIXTURES, env: childEnv(licenzy) }),
  },
  {
    name: 'bun',
    async start(licenzy) {
      // Bun resolves imports through the nearest tsconfig.json `paths`: the repo's maps @licenzy-gate/* to the packages'
      // sources, so without this override Bun would run src/, not the build.
      const dir = mkdtempSync(join(tmpdir(), 'licenzy-bun-'));
      writeFileSync(join(dir, 'tsconfig.json'), '{ "compilerOptions": {} }\n');
      const env = childEnv(licenzy, { BUN_RUNTIME_TRANSPILER_CACHE_PATH: '0', DO_NOT_TRACK: '1' });
      const server = await startChild('bun', join(BIN, 'bun'), [`--tsconfig-override=${join(dir, 'tsconfig.json')}`, 'bun.mjs'], { cwd: FIXTURES, env }).catch((error: unknown) => {
        rmSync(dir, { recursive: true, force: true });
        throw error;
      });
      return { ...server, stop: () => server.stop().finally(() => rmSync(dir, { recursive: true, force: true })) };
    },
  },
  {
    name: 'deno',
    start: (licenzy) =>
      startChild('deno', join(BIN, 'deno'), ['run', ...DENO_FLAGS, `--allow-read=${ROOT}`, 'deno.mjs'], {
        cwd: FIXTURES,
        env: childEnv(licenzy, { NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' }),
      }),
  },
  {
    name: 'workerd',
    start: (licenzy) => startWorkerd(childEnv(licenzy)),
  },
];
