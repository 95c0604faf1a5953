// Node's built-in modules the core uses, loaded with `process.getBuiltinModule()` instead of `import`/`require`.
// Why: the published ESM entry re-exports the CommonJS build, and a bundle of it for workerd (esbuild as wrangler runs
// it: `node:*` external) turns `require('node:crypto')` into a dynamic require that workerd refuses at startup.
// `process.getBuiltinModule` (Node ≥ 20.16, Bun, Deno, workerd with `nodejs_compat`) loads the same module everywhere,
// once, at import time: nothing changes on the request path.
import type * as Crypto from 'node:crypto';
import type * as DiagnosticsChannel from 'node:diagnostics_channel';

/** `node:crypto` (hashes and HMACs of the shared tier, idempotency keys, webhook signatures). */
export const nodeCrypto: typeof Crypto = process.getBuiltinModule('node:crypto');

/** `node:diagnostics_channel` (the gate's events). */
export const diagnosticsChannel: typeof DiagnosticsChannel = process.getBuiltinModule('node:diagnostics_channel');
