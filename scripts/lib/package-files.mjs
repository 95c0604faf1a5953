// Which files of a built package are loaded by its entry points (code, following require/import from `exports`, `main`
// and `bin`) or describe them (declarations, following imports from the `types` of each entry), plus their source maps.
// build-package.mjs prunes what nothing loads; pack-check.mjs fails on any other file in a tarball.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

const ALWAYS = new Set(['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'dist/cjs/package.json', 'dist/esm/package.json']);
const CODE_REFERENCE = /(?:require\(\s*|from\s*|import\s*\(?\s*)["'](\.{1,2}\/[^"']+)["']/g;
const TYPE_REFERENCE = /(?:from\s*|import\s*\(\s*|<reference path=)["'](\.{1,2}\/[^"']+)["']/g;

/** Every target string in an `exports` map, of the given condition kind (`'code'` or `'types'`). */
function exportTargets(value, kind, out = []) {
  if (typeof value === 'string') out.push(value);
  else if (value !== null && typeof value === 'object') {
    for (const [key, target] of Object.entries(value)) {
      if ((kind === 'types') === (key === 'types')) exportTargets(target, kind, out);
      else if (kind === 'types' && typeof target === 'object') exportTargets(target, kind, out);
    }
  }
  return out.filter((file) => (kind === 'types' ? file.endsWith('.d.ts') : /\.(c|m)?js$/.test(file)));
}

function walk(dir, starts, pattern, resolveFile) {
  const seen = new Set();
  const queue = starts.map((file) => normalize(file));
  while (queue.length > 0) {
    const file = queue.pop();
    if (seen.has(file) || !existsSync(join(dir, file))) continue;
    seen.add(file);
    for (const [, specifier] of readFileSync(join(dir, file), 'utf8').matchAll(pattern)) {
      const target = resolveFile(normalize(join(dirname(file), specifier)));
      if (target !== undefined) queue.push(target);
    }
  }
  return seen;
}

/** The files (relative to `dir`) the package's entry points load or describe, and the maps of the code among them. */
export function usedFiles(dir) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const bins = typeof pkg.bin === 'string' ? [pkg.bin] : Object.values(pkg.bin ?? {});
  const codeStarts = [...exportTargets(pkg.exports, 'code'), ...(pkg.main ? [pkg.main] : []), ...bins];
  const code = walk(dir, codeStarts, CODE_REFERENCE, (file) => (existsSync(join(dir, file)) ? file : existsSync(join(dir, `${file}.js`)) ? `${file}.js` : undefined));
  const typeStarts = [...exportTargets(pkg.exports, 'types'), ...(pkg.types ? [pkg.types] : []), ...Object.values(pkg.typesVersions ?? {}).flatMap((map) => Object.values(map).flat())];
  const types = walk(dir, typeStarts, TYPE_REFERENCE, (file) => {
    const base = file.replace(/\.(c|m)?js$/, '');
    return [`${base}.d.ts`, `${file}.d.ts`, join(file, 'index.d.ts')].find((candidate) => existsSync(join(dir, candidate)));
  });
  const maps = [...code].map((file) => `${file}.map`).filter((file) => existsSync(join(dir, file)));
  return new Set([...ALWAYS, ...code, ...types, ...maps].map((file) => relative(dir, join(dir, file))));
}
