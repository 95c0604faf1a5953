// Consumer smoke tests: the BUILT packages (dist/) load with require() and import, from JS and TS (run `npm run build` first).
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const require = createRequire(import.meta.url);

function node(file: string): unknown {
  const out = execFileSync(process.execPath, [file], { cwd: fixtures, encoding: 'utf8', timeout: 30_000 });
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

describe('built packages', () => {
  it('load and work from a CommonJS consumer (require)', () => {
    expect(node('consumer.cjs')).toEqual({ allowed: true, express: 'function', koa: 'function', fastify: 'function' });
  });

  it('load and work from an ESM consumer (import)', () => {
    expect(node('consumer.mjs')).toEqual({ allowed: true, express: 'function', koa: 'function', fastify: 'function' });
  });

  it('are one module instance when one process both imports and requires them (no dual-package hazard)', () => {
    expect(node('dual.mjs')).toEqual({
      sameErrorClass: true,
      instanceofAcross: true,
      sameDefaultGate: true,
      adapterReexportsSameCore: true,
      fastifyDefault: true,
    });
  });

  it('typecheck from TypeScript consumers in ESM (NodeNext) and CommonJS', () => {
    const tsc = require.resolve('typescript/bin/tsc');
    const run = () => execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: fixtures, encoding: 'utf8', timeout: 120_000 });
    expect(run).not.toThrow();
  }, 150_000);
});
