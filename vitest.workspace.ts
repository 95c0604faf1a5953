// The test projects: one per package, one for every package's type tests, and the repo-level suites. This file lists
// them; vitest.config.ts hands the list to vitest (`test.projects`). scripts/test.mjs checks each folder was collected.
import { fileURLToPath } from 'node:url';
import type { TestProjectConfiguration } from 'vitest/config';

export const PACKAGES = ['core', 'mock', 'testing', 'express', 'koa', 'fastify', 'nest', 'fetch', 'hono', 'redis', 'otel'] as const;
export const SUITES = ['smoke', 'reliability', 'multi-instance', 'runtimes'] as const;

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// Tests import the packages by name; point them at the sources so no build is needed,
// except the smoke suite, which deliberately loads the built dist/ through node.
// Exact matches, so a subpath entry (`@licenzy-gate/core/adapter`) is not taken for a file under the main one.
const alias = [
  { find: /^@licenzy-gate\/core\/adapter$/, replacement: here('./packages/core/src/adapter.ts') },
  ...PACKAGES.map((name) => ({ find: new RegExp(`^@licenzy-gate/${name}$`), replacement: here(`./packages/${name}/src/index.ts`) })),
];
// A green run prints none of the gate's own log lines; a failing test prints its own (vitest.setup.ts).
const setupFiles = [here('./vitest.setup.ts')];

const projects: TestProjectConfiguration[] = [
  ...PACKAGES.map((name) => ({
    resolve: { alias },
    test: { name, root: here(`./packages/${name}`), include: ['test/**/*.test.ts'], setupFiles },
  })),
  // Every package's type tests in one project: one TypeScript program, one run of vitest's typechecker.
  {
    resolve: { alias },
    test: {
      name: 'types',
      root: here('.'),
      include: [],
      typecheck: { enabled: true, only: true, include: ['packages/*/test/**/*.test-d.ts'], tsconfig: here('./tsconfig.json') },
    },
  },
  ...SUITES.map((name) => ({
    resolve: { alias },
    test: { name, root: here(`./tests/${name}`), include: ['**/*.test.ts'], setupFiles },
  })),
];

export default projects;
