// Benchmark 6: heap bytes per cached decision at 100,000 subjects, measured in a child with --expose-gc.
import { startChild } from './lib/child.mjs';
import { fmt, verdict } from './lib/stats.mjs';

const TARGET = 150;

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
    `A gate with \`cache: { max: ${fmt.int(subjects)}, ttl: 1 h }\` filled with ${fmt.int(subjects)} distinct subjects (one cached decision each), in a child process run with \`--expose-gc\`; the heap is measured after four forced GCs before and after. The subject strings are created before the first measurement (they arrive with requests either way), so they are not counted; they are flat strings, as a parsed request's are (a V8 cons string would be flattened by whichever structure hashed it first, and that copy charged to it). A Licenzy stand-in answers in-process, so no HTTP state is counted either. Two other gates, one per mode, cache a few grants and denials before the measurement, so a layout that stays compact only while every decision looks alike would show here. Per cached decision the gate holds (issue #25): one frozen decision object with \`subjectRef\`, \`allowed\` and \`checkedAt\` in its own slots, and the cache's two small integers for it (its slot and until when it is served, in whole ms after the cache's epoch) under symbol keys, non-enumerable (\`source\` and \`mode\`, the same for every decision of a gate, are own accessor properties whose getters sit in the hidden class shared by all decisions of a mode: 64 B, plus 16 B for \`checkedAt\`'s number); the cache's \`Map\` from subject to decision (about 37 B at 100,000 entries: its table is a power of two); a slot-indexed array of the decisions (8 B; the least recently used one is evicted through it); and typed-array columns indexed by slot, outside the V8 heap and counted under "array buffers": the recency links (2 × 4 B) and the cold stamps (\`DecisionStamps\`: the stale window and how long before expiry the call started, as float32s rounded so never late and never fresher: 8 B). Every array grows by doubling up to \`max\`; nothing is sized for \`max\` at creation, whereas \`lru-cache\` (the floor) preallocates its index arrays for \`max\`. Target (issue #25): at most ${TARGET} B per cached decision, everything the gate holds included. The floor for comparison is a bare \`LRUCache\` of the same size holding what a hand-rolled cache needs, \`{ allowed, expiresAt }\` per subject.`,
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
