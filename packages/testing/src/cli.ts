// Entry point of the licenzy-gate bin: runs runGateCli with the process arguments, then exits (an app module may hold handles open).
import { runGateCli } from './cli-main.js';

runGateCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`licenzy-gate: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
