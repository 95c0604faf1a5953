// Benchmark 6: heap bytes per cached decision at 100,000 subjects, measured in a child with --expose-gc.
import { startChild } from './lib/child.mjs';
import { fmt, verdict } from './lib/stats.mjs';

const TARGET = 200;

export async function run({ smoke, log }) {
  const subjects = smoke ? 5_000 : 100_000;
  const child = await startChild('memory', { subjects }, { execArgv: ['--expose-gc'] });
  await child.stop();
  const { gate, lru } = child.info;
  const perDecision = gate.total.total / subjects;
  log(`  ${fmt.bytes(perDecision)} per cached decision (${fmt.mib(gate.total.total)} for ${fmt.int(subjects)}); bare LRUCache ${fmt.bytes(lru.total / subjects)}`);
  const rows = [{
    benchmark: `6. Memory per cached decision (${fmt.int(subjects)} subjects)`,
    figure: `${fmt.bytes(perDecision)} (${fmt.mib(gate.total.total)} in all; LRUCache of { allowed, expiresAt } ${fmt.bytes(lru.total / subjects)})`,
    target: `<= ${TARGET} B`,
    status: smoke ? 'info' : verdict(perDecision <= TARGET),
  }];
  const row = (name, d) => `| ${name} | ${fmt.mib(d.heapUsed)} | ${fmt.mib(d.arrayBuffers)} | ${fmt.mib(d.total)} | ${fmt.bytes(d.total / subjects)} |`;
  const lines = [
    '## 6. Memory',
    '',
    `A gate with \`cache: { max: ${fmt.int(subjects)}, ttl: 1 h }\` filled with ${fmt.int(subjects)} distinct subjects (one cached decision each), in a child process run with \`--expose-gc\`; the heap is measured after four forced GCs before and after. The subject strings are created before the first measurement (they arrive with requests either way), so they are not counted; a Licenzy stand-in answers in-process, so no HTTP state is counted either. The gate keeps one frozen object per cached decision in an LRU whose index arrays grow with the entries (\`GrowingLru\`), and nothing sized for \`max\` at creation; \`lru-cache\` (the floor) preallocates its index arrays for \`max\`. Those index arrays are typed arrays, outside the V8 heap: they are counted under "array buffers". Target (issue #14): at most ${TARGET} B per cached decision, everything the gate holds included. The floor for comparison is a bare \`LRUCache\` of the same size holding what a hand-rolled cache needs, \`{ allowed, expiresAt }\` per subject.`,
    '',
    '| | V8 heap | Array buffers | Total | Per decision |',
    '|---|---:|---:|---:|---:|',
    row('gate, creation (nothing allocated for max)', gate.setup),
    row('gate, the entries', gate.entries),
    row('**gate, in all**', gate.total),
    row('bare LRUCache of { allowed, expiresAt }, same size (floor)', lru),
  ];
  return { rows, markdown: lines.join('\n'), result: { perDecision, gate, lru } };
}
