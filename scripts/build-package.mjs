// Builds one workspace package to dist/esm (ESM) and dist/cjs (CommonJS), both with declarations.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
const cwd = process.cwd();

rmSync(join(cwd, 'dist'), { recursive: true, force: true });
const run = (...args) => execFileSync(process.execPath, [tsc, ...args], { cwd, stdio: 'inherit' });
run('-p', 'tsconfig.build.json', '--outDir', 'dist/esm');
run('-p', 'tsconfig.build.json', '--outDir', 'dist/cjs', '--module', 'commonjs', '--moduleResolution', 'node10');
// Each output folder declares its own module type so Node picks the right loader.
mkdirSync(join(cwd, 'dist/esm'), { recursive: true });
mkdirSync(join(cwd, 'dist/cjs'), { recursive: true });
writeFileSync(join(cwd, 'dist/esm/package.json'), '{ "type": "module" }\n');
writeFileSync(join(cwd, 'dist/cjs/package.json'), '{ "type": "commonjs" }\n');

// npm marks bin files executable only at install time, before a fresh clone has built them.
const { bin = {} } = JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8'));
for (const file of Object.values(typeof bin === 'string' ? { bin } : bin)) {
  if (existsSync(join(cwd, file))) chmodSync(join(cwd, file), 0o755);
}
