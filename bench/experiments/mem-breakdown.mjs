import { startChild } from '../lib/child.mjs';
const subjects = 100_000;
const child = await startChild('memory', { subjects }, { execArgv: ['--expose-gc'] });
await child.stop();
const { gate, lru } = child.info;
const per = (d) => Object.fromEntries(Object.entries(d).map(([k, v]) => [k, Math.round(v / subjects)]));
console.log('setup', per(gate.setup), 'entries', per(gate.entries), 'total', per(gate.total), 'lru floor', per(lru));
