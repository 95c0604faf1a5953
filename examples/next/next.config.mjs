// Next.js configuration of the example: the repository root as the workspace root, and the gate's packages outside the bundles.
import { fileURLToPath } from 'node:url';

// next and react resolve from the repository root's node_modules (the example is not a package of its own), so that
// is the root Turbopack reads from and file tracing starts at.
const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));

/** @type {import('next').NextConfig} */
const nextConfig = {
  // Loaded by Node at run time, not bundled: one module instance per server process, so the route handlers and the
  // server actions share one default gate (one decision cache, one Licenzy client). Bundled, each Next.js layer would
  // get its own copy. This only works for installed packages (install-local-packages.mjs says why).
  serverExternalPackages: ['@licenzy-gate/fetch', '@licenzy-gate/core'],
  turbopack: { root: repositoryRoot },
  outputFileTracingRoot: repositoryRoot,
  poweredByHeader: false,
};

export default nextConfig;
