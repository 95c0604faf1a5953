// Lays the built @licenzy-gate/core and @licenzy-gate/fetch into examples/next/node_modules, as `npm install` from the
// registry would: real folders, not the workspace's symlinks. Run it after `npm run build` (the smoke test does).
//
// Why: Next.js bundles a package whose files resolve outside node_modules, and a workspace link resolves to
// packages/<name>, so `serverExternalPackages` has no effect on it. Bundled, the gate's modules exist once per
// Next.js layer (route handlers apart from pages and server actions): two default gates, two decision caches in one
// process. Installed as real folders, the packages stay external and Node loads them once.
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '../..');
const target = join(import.meta.dirname, 'node_modules/@licenzy-gate');

for (const name of ['core', 'fetch']) {
  const from = join(root, 'packages', name);
  if (!existsSync(join(from, 'dist'))) {
    console.error(`packages/${name}/dist is missing: run \`npm run build\` at the repository root first`);
    process.exit(1);
  }
  const to = join(target, name);
  rmSync(to, { recursive: true, force: true });
  mkdirSync(to, { recursive: true });
  // What Node and TypeScript read of an installed package: its manifest and its build.
  cpSync(join(from, 'package.json'), join(to, 'package.json'));
  cpSync(join(from, 'dist'), join(to, 'dist'), { recursive: true });
}
console.log('examples/next/node_modules/@licenzy-gate: core and fetch installed from packages/*/dist');
