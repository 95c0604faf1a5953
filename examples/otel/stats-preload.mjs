// Preloaded by `npm start -- --stats` (node --import): the stats line on stderr every second it changed, and at exit.
import { createStatsSummary } from './stats.mjs';

const stats = createStatsSummary();
const interval = Number(process.env.LICENZY_STATS_INTERVAL_MS ?? 1000);
let printed;
function print() {
  const line = stats.line();
  // An idle app prints nothing new: one line per second only while something happens.
  if (line === printed) return;
  printed = line;
  process.stderr.write(`${line}\n`);
}
setInterval(print, interval).unref();
process.once('exit', print);
