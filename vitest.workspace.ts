// One vitest project per package (plus repo-level suites); scripts/test.mjs checks each was collected.
import { fileURLToPath } from 'node:url';
import { defineWorkspace } from 'vitest/config';

export const PACKAGES = ['core', 'mock', 'testing', 'express', 'koa', 'fastify', 'redis', 'otel'] as const;
export const SUITES = ['smoke', 'reliability', 'multi-instance'] as const;

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// Tests import the packages by name; point them at the sources so no build is needed,
// except the smoke suite, which deliberately loads the built dist/ through node.
// Exact matches, so a subpath entry (`@licenzy-gate/core/adapter`) is not taken for a file under the main one.
const alias = [
  { find: /^@licenzy-gate\/core\/adapter$/, replacement: here('./packages/core/src/adapter.ts') },
  ...PACKAGES.map((name) => ({ find: new RegExp(`^@licenzy-gate/${name}$`), replacement: here(`./packages/${name}/src/index.ts`) })),
];

export default defineWorkspace([
  ...PACKAGES.map((name) => ({
    resolve: { alias },
    test: {
      name,
      root: here(`./packages/${name}`),
      include: ['test/**/*.test.ts'],
      typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: here('./tsconfig.json') },
    },
  })),
  ...SUITES.map((name) => ({
    resolve: { alias },
    test: { name, root: here(`./tests/${name}`), include: ['**/*.test.ts'] },
  })),
]);
