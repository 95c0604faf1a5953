// Writes the observed figures into docs/reliability.md, one marked section per suite, only when asked to.
import { closeSync, existsSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `LICENZY_RELIABILITY_DOCS=1` (set by `npm run reliability:docs`) turns writing on; without it nothing is written. */
export const docsEnabled = process.env.LICENZY_RELIABILITY_DOCS === '1';

export const DOC_PATH = fileURLToPath(new URL('../../../docs/reliability.md', import.meta.url));

/** The sections of the document, in the order they appear. Each suite owns one and rewrites only that one. */
export const SECTIONS = ['matrix', 'hardening', 'mounting', 'property', 'outage', 'soak-short', 'soak-long'] as const;
export type SectionId = (typeof SECTIONS)[number];

const PLACEHOLDER: Record<SectionId, string> = {
  matrix: '_Not generated yet: run `npm run reliability:docs`._',
  hardening: '_Not generated yet: run `npm run reliability:docs`._',
  mounting: '_Not generated yet: run `npm run reliability:docs`._',
  property: '_Not generated yet: run `npm run reliability:docs`._',
  outage: '_Not generated yet: run `npm run reliability:docs`._',
  'soak-short': '_Not generated yet: run `npm run reliability:docs`._',
  'soak-long': '_Not generated yet: run `LICENZY_RELIABILITY_DOCS=1 npm run soak`._',
};

/** One line naming where and when figures were observed, so a reader can judge them. */
export function environmentLine(): string {
  const cpu = cpus();
  const model = cpu[0]?.model.trim() ?? 'unknown CPU';
  const date = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  return `Observed ${date} on ${cpu.length} × ${model}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, ${process.platform}/${process.arch}, Node ${process.version}.`;
}

/** A markdown table from a header row and rows of cells (pipes in cells are escaped). */
export function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cell = (value: string | number) => String(value).replace(/\|/g, '\\|');
  return [
    `| ${header.map(cell).join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ].join('\n');
}

const INTRO = `# Reliability and security of licenzy-gate

This page is generated from what the reliability suite (\`tests/reliability\`) observed; do not edit the
sections between the \`<!-- section -->\` markers by hand. Every figure below comes from a passing run.

## The invariant

A paid route answers 2xx **only** when, within the configured freshness, Licenzy answered a well-formed
\`{"subject_ref": <that subject>, "allowed": true}\` for exactly that subject in the key's mode, or when the
route explicitly chose to fail open (\`onUnavailable: 'allow'\`). "Within the configured freshness" means
\`cache.ttl\` after the answer, extended by \`cache.staleIfError\` only while Licenzy cannot answer. A
\`gate.invalidate(subject)\` ends it at once. No fault, input or timing may break this.

How it is checked:

| Suite | File | What it asserts |
| --- | --- | --- |
| Fault matrix | \`tests/reliability/fault-matrix.test.ts\` | every upstream fault × failure mode × framework: status, upstream calls, wall time |
| Property tests | \`tests/reliability/gate-invariant.property.test.ts\` | fast-check: any interleaving of answers, faults, clock moves, \`invalidate\`, \`fresh\` and concurrent checks against a model of the invariant |
| Hostile input | \`tests/reliability/hostile-input.test.ts\` | hostile subjects (refused or encoded exactly), spoofing headers/cookies/query in all adapters, test/live isolation, the key never leaks |
| Outage | \`tests/reliability/outage.test.ts\` | a 10 s outage under steady load from 50 subjects: upstream-call bound, latency, self-recovery |
| Soak | \`tests/reliability/soak.test.ts\` | distinct subjects through the gate: cache bounded by \`max\`, heap flat |
| Regressions | \`tests/reliability/regressions.test.ts\` | bugs this suite found, one test each, named after the bug |
| Hardening | \`tests/reliability/hardening.test.ts\` | per adapter: fresh floods bounded, one subject cannot open the circuit, calls in flight bounded, the guard never throws, misconfiguration stays logged |
| Mounting | \`tests/reliability/mounting-patterns.test.ts\` | every README mounting pattern against path variants (case, slashes, encoding, HEAD, OPTIONS) |

Bugs this suite found, fixed in core, each pinned by a regression test:

1. A malformed answer from a custom \`AccessChecker\` (wrong \`subject_ref\`, non-boolean \`allowed\`) was rejected
   inside the success handler, so the failed call stayed in flight for good and the subject could never be
   checked again (always refused, never granted). Now it takes the error path: \`ERR_LICENZY_RESPONSE\`, counted
   by the breaker and shared for \`errorTtl\` only.
2. A subject_ref of \`.\` or \`..\` sent \`getCustomerAccess\` / \`getEntitlements\` to another path (URL parsing
   resolves dot segments even when percent-encoded). The client now refuses them for path endpoints.

Defects closed by the hardening review (issue 8), by class, each pinned by a test that failed before its fix:

- **Wrong grants.** (1) A 2xx answer repeating a member name (\`"allowed":false,"allowed":true\`, a hidden second
  \`subject_ref\`) is malformed — \`client.test.ts\`, fault matrix rows "duplicate key". (2) Nested Fastify global
  gates each decide with their own guard — \`packages/fastify/test/plugin.test.ts\`. (3) Every README mounting pattern
  holds against path variants; the Koa prefixed-router pattern needs \`sensitive: true\` — mounting section below.
  (4) Only transport outages (network, timeout, 429, 5xx, open circuit, shed load) may serve stale or fail open; a
  reachable Licenzy answering nonsense gets 503 in every mode — fault matrix. (5) A shared store is namespaced by a
  hash of mode, key and base URL — \`gate.test.ts\`, property tests. (6) Identity found only on
  \`Object.prototype\` is ignored — conformance case \`prototype-identity\` in every adapter.
- **Lost revocations.** (7) Every duration is measured on a monotonic clock; \`checkedAt\` stays wall time; an entry
  stamped after "now" is not trusted — \`gate.test.ts\`, property tests (wall clock stepped ±1 h).
- **One user degrading everyone.** (8) Fresh checks are coalesced and bounded by \`freshInterval\`; no docs recommend
  client-controlled freshness. (9) The breaker opens on distinct failing subjects. (10) A half-open probe holds a
  lease, and a checker that throws, returns a non-promise or hangs still settles (gate watchdog). (11)
  \`maxConcurrent\` (64) and \`maxQueue\` (1000) bound Licenzy calls; beyond them 503 at once. (12) The attempt timeout
  covers the body read without trusting the transport's abort handling — hardening section, \`gate.test.ts\`,
  \`client.test.ts\`.
- **Secrets and hygiene.** (13) Only documented auth codes are passed on from a 401/403. (14) The guard never throws:
  a hostile resolver value is 500 with the app's text kept off the response. (15) Misconfiguration logs are
  de-duplicated per code over 60 s instead of capped for good. (16) One abort listener per signal; \`Retry-After\` is a
  whole number of seconds capped at 300; timeout messages print whole milliseconds — \`client.test.ts\`,
  \`errors.test.ts\`, \`abort.test.ts\`, \`guard.test.ts\`.

Reproduce everything: \`npm run reliability:docs\` (runs \`vitest run --project reliability\` with
\`LICENZY_RELIABILITY_DOCS=1\`, which rewrites this file). The long soak: \`LICENZY_RELIABILITY_DOCS=1 npm run soak\`.
Without \`LICENZY_RELIABILITY_DOCS=1\` the suite writes nothing.
`;

function skeleton(): string {
  return [INTRO, ...SECTIONS.map((id) => `<!-- section:${id} -->\n${PLACEHOLDER[id]}\n<!-- /section:${id} -->\n`)].join('\n');
}

/** Rewrites one section of docs/reliability.md (and the intro), keeping the others. No-op unless {@link docsEnabled}. */
export function writeDocSection(id: SectionId, markdown: string): void {
  if (!docsEnabled) return;
  withLock(() => {
    let doc = existsSync(DOC_PATH) ? readFileSync(DOC_PATH, 'utf8') : skeleton();
    const start = `<!-- section:${id} -->`;
    const end = `<!-- /section:${id} -->`;
    if (!doc.includes(start) || !doc.includes(end)) doc = mergeKnown(doc, skeleton());
    const before = doc.slice(0, doc.indexOf(start) + start.length);
    const after = doc.slice(doc.indexOf(end));
    doc = `${before}\n${markdown.trim()}\n${after}`;
    // The intro is code-owned: refresh it so it never drifts from the suite.
    doc = `${INTRO}\n${doc.slice(doc.indexOf('<!-- section:'))}`;
    const tmp = `${DOC_PATH}.${process.pid}.tmp`;
    writeFileSync(tmp, doc);
    renameSync(tmp, DOC_PATH);
  });
}

/** Carries the sections an older document already has into a fresh skeleton. */
function mergeKnown(old: string, fresh: string): string {
  let doc = fresh;
  for (const id of SECTIONS) {
    const start = `<!-- section:${id} -->`;
    const end = `<!-- /section:${id} -->`;
    if (!old.includes(start) || !old.includes(end)) continue;
    const body = old.slice(old.indexOf(start) + start.length, old.indexOf(end));
    doc = doc.slice(0, doc.indexOf(start) + start.length) + body + doc.slice(doc.indexOf(end));
  }
  return doc;
}

/** Suites run in parallel workers; a lock file in the temp dir serialises their read-modify-write of the doc. */
function withLock(fn: () => void): void {
  const lock = join(tmpdir(), 'licenzy-gate-reliability-doc.lock');
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      closeSync(openSync(lock, 'wx'));
      break;
    } catch {
      // A lock left by a crashed run is older than any write takes.
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 30_000) rmSync(lock, { force: true });
      if (Date.now() > deadline) throw new Error(`could not lock ${lock}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
  try {
    fn();
  } finally {
    rmSync(lock, { force: true });
  }
}
