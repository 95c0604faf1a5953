#!/usr/bin/env node
// The `licenzy-gate` command. A committed shim (not dist/ itself) so npm can link it at install time,
// before a fresh clone has been built.
import '../dist/cjs/cli.js';
