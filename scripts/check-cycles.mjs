// `npm run lint`, second half: no import cycle among the sources of packages/*/src, type-only imports included
// (eslint-plugin-import-x's no-cycle skips `import type`, and a type-only cycle is still a tangle to the reader).
// Every relative import and `export … from` is an edge; each strongly connected component of more than one file
// (or a file importing itself) is printed, and the exit code is 1.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';

const require = createRequire(import.meta.url);
const ts = require('typescript');
const root = join(import.meta.dirname, '..');

function sourcesUnder(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourcesUnder(path));
    else if (/\.(ts|mts|cts)$/.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** The file a relative specifier names (`./x.js` is `./x.ts` in the sources), or undefined. */
function resolveRelative(from, specifier) {
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(dirname(from), specifier);
  const candidates = [base.replace(/\.(m|c)?js$/, '.$1ts'), base, `${base}.ts`, join(base, 'index.ts')];
  return candidates.find((path) => existsSync(path) && statSync(path).isFile());
}

const files = readdirSync(join(root, 'packages'))
  .map((name) => join(root, 'packages', name, 'src'))
  .filter((dir) => existsSync(dir))
  .flatMap(sourcesUnder);

const edges = new Map();
for (const file of files) {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  const targets = new Set();
  for (const { fileName } of info.importedFiles) {
    const target = resolveRelative(file, fileName);
    if (target !== undefined) targets.add(target);
  }
  edges.set(file, targets);
}

// Tarjan's strongly connected components.
let index = 0;
const stack = [];
const state = new Map();
const cycles = [];
function visit(file) {
  const entry = { index, low: index, onStack: true };
  index++;
  state.set(file, entry);
  stack.push(file);
  for (const next of edges.get(file) ?? []) {
    if (!edges.has(next)) continue;
    const seen = state.get(next);
    if (seen === undefined) {
      visit(next);
      entry.low = Math.min(entry.low, state.get(next).low);
    } else if (seen.onStack) {
      entry.low = Math.min(entry.low, seen.index);
    }
  }
  if (entry.low === entry.index) {
    const component = [];
    let member;
    do {
      member = stack.pop();
      state.get(member).onStack = false;
      component.push(member);
    } while (member !== file);
    if (component.length > 1 || edges.get(file)?.has(file)) cycles.push(component);
  }
}
for (const file of files) if (!state.has(file)) visit(file);

if (cycles.length > 0) {
  for (const component of cycles) {
    console.error(`import cycle: ${component.map((file) => relative(root, file)).sort().join(' ↔ ')}`);
  }
  console.error(`check-cycles: ${cycles.length} import cycle(s) in packages/*/src (type-only imports count)`);
  process.exit(1);
}
console.log(`check-cycles: no import cycle among ${files.length} source files`);
