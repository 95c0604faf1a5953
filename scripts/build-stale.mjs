// Builds the workspace packages whose dist/ is missing or older than their sources, dependencies first.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
// Every workspace package, in the root package.json's order (dependencies first), so none is forgotten.
const PACKAGES = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
  .workspaces.filter((path) => path.startsWith('packages/'))
  .map((path) => path.slice('packages/'.length));

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Returns false if a build failed (its output is already on the terminal). */
export function buildStale({ quiet = false } = {}) {
  let rebuilt = false;
  for (const name of PACKAGES) {
    const pkg = join(root, 'packages', name);
    const built = join(pkg, 'dist/esm/index.js');
    if (!rebuilt && existsSync(built) && statSync(built).mtimeMs >= newestMtime(join(pkg, 'src'))) continue;
    rebuilt = true; // dependants of a rebuilt package are rebuilt too
    if (!quiet) console.log(`building @licenzy-gate/${name} …`);
    const result = spawnSync(process.execPath, [join(root, 'scripts/build-package.mjs')], { cwd: pkg, stdio: 'inherit' });
    if (result.status !== 0) return false;
  }
  return true;
}

if (process.argv[1] === import.meta.filename) process.exit(buildStale() ? 0 : 1);
