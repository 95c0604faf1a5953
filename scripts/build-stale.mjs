// Builds the workspace packages whose dist/ is missing or older than their sources, dependencies first, saying how far
// along it is and about how long is left (a first build of every package takes about 70 s on two cores).
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

/** Seconds one package takes to build, on average, measured on two cores (the whole first build: about 70 s). */
const SECONDS_PER_PACKAGE = 70 / 8;

function isStale(name) {
  const pkg = join(root, 'packages', name);
  const built = join(pkg, 'dist/esm/index.js');
  return !existsSync(built) || statSync(built).mtimeMs < newestMtime(join(pkg, 'src'));
}

/** Returns false if a build failed (its output is already on the terminal). */
export function buildStale({ quiet = false } = {}) {
  // Dependants of a rebuilt package are rebuilt too: everything from the first stale package on.
  const first = PACKAGES.findIndex(isStale);
  if (first === -1) return true;
  const stale = PACKAGES.slice(first);
  const started = Date.now();
  if (!quiet) {
    const estimate = Math.round(stale.length * SECONDS_PER_PACKAGE);
    const why = first === 0 && !existsSync(join(root, 'packages', PACKAGES[0], 'dist')) ? 'first build' : 'sources changed';
    console.log(`building ${stale.length} of ${PACKAGES.length} packages (${why}): about ${estimate} s; later starts rebuild only what changed`);
  }
  for (const [index, name] of stale.entries()) {
    if (!quiet) {
      const elapsed = Math.round((Date.now() - started) / 1000);
      const left = Math.max(1, Math.round((stale.length - index) * SECONDS_PER_PACKAGE));
      console.log(`  [${index + 1}/${stale.length}] @licenzy-gate/${name} … (${elapsed} s so far, about ${left} s left)`);
    }
    const result = spawnSync(process.execPath, [join(root, 'scripts/build-package.mjs')], { cwd: join(root, 'packages', name), stdio: 'inherit' });
    if (result.status !== 0) return false;
  }
  if (!quiet) console.log(`built in ${Math.round((Date.now() - started) / 1000)} s`);
  return true;
}

if (process.argv[1] === import.meta.filename) process.exit(buildStale() ? 0 : 1);
