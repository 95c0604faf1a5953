// `npm run pack:local`: packs every published package into ./packs (one .tgz each), for installing into your own app
// before anything is on a registry. Prints the line that installs an adapter together with its core. pack:check
// uses the same function and installs exactly that line.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = join(import.meta.dirname, '..');

/** Packs every workspace into `destination` (emptied first); resolves `npm pack --json`'s entries (name, filename, size, files). */
export function packLocal(destination) {
  rmSync(destination, { recursive: true, force: true });
  mkdirSync(destination, { recursive: true });
  return JSON.parse(execFileSync('npm', ['pack', '--workspaces', '--json', '--pack-destination', destination], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
}

/** The README's install line: an adapter's tarball with core's, plus the framework, from `folder`. */
export function installLine(folder, adapter, framework) {
  const tgz = (name) => join(folder, readdirSync(folder).find((file) => file.startsWith(`licenzy-gate-${name}-`) && file.endsWith('.tgz')));
  return ['npm', 'install', tgz('core'), tgz(adapter), framework];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const destination = join(root, 'packs');
  const packed = packLocal(destination);
  for (const entry of packed) console.log(`${relative(root, join(destination, entry.filename))}  ${(entry.size / 1024).toFixed(1)} kB packed, ${entry.files.length} files`);
  console.log('\nIn your app (an adapter always with its core):');
  console.log(`  ${installLine(destination, 'express', 'express@5').join(' ')}`);
}
