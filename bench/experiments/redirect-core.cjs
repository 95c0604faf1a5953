// Preloaded (--require) into an app child whose flags hold `core=<name>`: every require('@licenzy-gate/core') (the
// adapters' CommonJS builds included) resolves to bench/experiments/builds/<name>/dist, so the process runs one
// copy of core, that build, rather than the workspace's plus another.
const Module = require('node:module');
const path = require('node:path');
const config = JSON.parse(process.argv[2] ?? '{}');
const build = (config.flags ?? []).find((flag) => flag.startsWith('core='))?.slice('core='.length);
if (build !== undefined) {
  const target = path.join(__dirname, 'builds', build, 'dist', 'cjs', 'index.js');
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function resolveFilename(request, ...rest) {
    return request === '@licenzy-gate/core' ? target : resolve.call(this, request, ...rest);
  };
}
