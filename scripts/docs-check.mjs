// `npm run docs:check`: every ```ts block of every README type-checks (strict, NodeNext, against the built packages);
// every ```js block runs (exit 0 within 10 s) or is marked ```js fragment, and then must at least parse.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const require = createRequire(import.meta.url);
// Inside the repository, so `@licenzy-gate/*` and the frameworks resolve from its node_modules as they would in an app.
const work = join(root, '.docs-check');

const readmes = [
  'README.md',
  ...readdirSync(join(root, 'packages')).map((dir) => `packages/${dir}/README.md`),
  ...readdirSync(join(root, 'examples'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => `examples/${d.name}/README.md`),
  'examples/README.md',
].filter((file) => existsSync(join(root, file)));

/** Fenced blocks with their language, info words and the line they start on. */
function blocks(file) {
  const text = readFileSync(join(root, file), 'utf8');
  const found = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w+)(.*)$/.exec(lines[i]);
    if (!open) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end])) end++;
    found.push({ file, line: i + 1, lang: open[1], info: open[2].trim().split(/\s+/).filter(Boolean), code: lines.slice(start, end).join('\n') });
    i = end;
  }
  return found;
}

rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
writeFileSync(join(work, 'package.json'), JSON.stringify({ private: true, type: 'module' }));
const failures = [];
const tsFiles = new Map();
let jsCount = 0;
let fragments = 0;

for (const file of readmes) {
  for (const block of blocks(file)) {
    const name = `${file.replace(/[/.]/g, '_')}_L${block.line}`;
    if (block.lang === 'ts' || block.lang === 'typescript') {
      const isModule = /^\s*(import|export)\s/m.test(block.code);
      // One program per README: its blocks may share module augmentations (a README's `declare module`), never
      // another README's.
      const dir = join(work, file.replace(/[/.]/g, '_'));
      mkdirSync(dir, { recursive: true });
      const path = join(dir, `${name}.ts`);
      writeFileSync(path, `${block.code}\n${isModule ? '' : 'export {};\n'}`);
      tsFiles.set(relative(work, path), block);
    } else if (block.lang === 'js' || block.lang === 'javascript') {
      jsCount++;
      const path = join(work, `${name}.mjs`);
      writeFileSync(path, `${block.code}\n`);
      const fragment = block.info.includes('fragment');
      if (fragment) fragments++;
      const result = spawnSync(process.execPath, fragment ? ['--check', path] : [path], { cwd: work, encoding: 'utf8', timeout: 10_000, env: { ...process.env, LICENZY_API_KEY: 'lz_test_example_docs', LICENZY_API_URL: 'http://127.0.0.1:9' } });
      if (result.status !== 0) failures.push(`${block.file}:${block.line}: js block ${fragment ? 'does not parse' : 'did not run cleanly (mark it ```js fragment if it is one)'}\n${(result.stderr || result.stdout || '').split('\n').slice(0, 6).join('\n')}`);
    }
  }
}

const programs = new Set([...tsFiles.keys()].map((path) => path.split('/')[0]));
for (const program of programs) {
  const dir = join(work, program);
  // experimentalDecorators: the NestJS README's blocks use Nest's decorators, which are TypeScript's legacy ones.
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', lib: ['ES2023', 'DOM'], noEmit: true, skipLibCheck: true, types: ['node'], isolatedModules: true, experimentalDecorators: true },
    include: ['*.ts'],
  }));
  const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', dir, '--pretty', 'false'], { cwd: dir, encoding: 'utf8' });
  if (tsc.status === 0) continue;
  for (const line of tsc.stdout.split('\n').filter(Boolean)) {
    const match = /^([^()]+)\((\d+),(\d+)\): (.*)$/.exec(line);
    const block = match ? tsFiles.get(`${program}/${match[1].replace(/^.*\//, '')}`) : undefined;
    failures.push(block && match ? `${block.file}:${block.line + Number(match[2])}: ${match[4]}` : `${program}: ${line}`);
  }
}

if (!process.argv.includes('--keep')) rmSync(work, { recursive: true, force: true });
console.log(`docs-check: ${tsFiles.size} ts blocks type-checked, ${jsCount} js blocks (${fragments} fragments) in ${readmes.length} READMEs`);
if (failures.length > 0) {
  for (const failure of failures) console.error(failure);
  console.error(`docs-check: ${failures.length} problem(s)`);
  process.exit(1);
}
console.log('docs-check: all good');
