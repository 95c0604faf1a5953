#!/usr/bin/env node
// Entry point of the licenzy-mock bin: wires process arguments and signals to runMockCli.
import { runMockCli } from './cli-main.js';

const stop = new AbortController();
process.once('SIGINT', () => stop.abort());
process.once('SIGTERM', () => stop.abort());

runMockCli(process.argv.slice(2), { signal: stop.signal }).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`licenzy-mock: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
