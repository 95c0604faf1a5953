// Test helper for the failover tests (issue 24): three gates ("app instances") in this process, each with its own tier
// and its own Redis client, one local Licenzy whose revocation webhooks reach the instances round-robin (as through a
// load balancer), steady checks from every instance, and the judge that counts wrong answers against Licenzy's truth.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { createWebhookReceiver, type LicenzyGate, type SharedTier, type WebhookReceiver } from '@licenzy-gate/core';
import type { SharedTierBinding, SharedTierScope } from '@licenzy-gate/core/adapter';
import { generateWebhookSecret } from '@licenzy-gate/mock';
import { startLocalLicenzy, type LocalLicenzy } from '@licenzy-gate/testing';
import { expect } from 'vitest';
import { until } from './redis-server.js';

/**
 * The lifetimes and timeouts every failover scenario runs with (ms). `ttl` is short on purpose: it is the README's bound
 * for a revocation a failover lost ("a revoked grant lives at most what was left of its entry's `ttl`"), and the load
 * runs past every revocation plus that bound, so a revoked grant that outlived it would be seen.
 */
export const TIMING = {
  ttl: 2_500,
  deniedTtl: 1_000,
  /** The tier's `timeout` (its default): one command; a cluster read is two (the epoch is read apart). */
  tierTimeout: 200,
  /** The Licenzy client's `timeout`, with `retries: 0`. */
  licenzyTimeout: 1_000,
  /**
   * Slack on the revocation bound: the gate stamps an answer when it arrives, so an answer Licenzy gave just before
   * the revocation lives `ttl` from its arrival; on a loaded machine that transit (and timer lateness) is included.
   */
  revocationSlack: 500,
  /** Slack on the slow-request bound for a loaded 2-core machine (timers and the event loop run late). */
  slowSlack: 1_000,
  /** A check slower than this many times its bound fails the test outright. */
  slowFactor: 3,
} as const;

const CHECK = 'POST /v1/access/check';

/** A check's answer in the samples: denied, allowed, or rejected (an error, which a guard turns into a 503). */
const DENIED = 0;
const ALLOWED = 1;
const ERROR = 2;
/** Fields per sample: instance, subject, start, duration, answer, source (0 Licenzy, 1 cache, 2 stale), Licenzy's time. */
const FIELDS = 7;
const SOURCES = ['licenzy', 'cache', 'stale'] as const;

/** What one instance's tier told its gate (a reset, an invalidation heard, a clear), with the time (performance). */
export interface TierEvent {
  readonly at: number;
  readonly instance: number;
  readonly type: 'reset' | 'invalidate' | 'clear';
  readonly subject?: string;
}

export interface FleetMember {
  readonly name: string;
  readonly tier: SharedTier;
  /** The tier's `replicas`: whether its invalidations resolve only once a replica has them (WAIT). */
  readonly replicas: number;
  /** Closes the tier, then the app's client when the member made one. */
  readonly close: () => Promise<void>;
}

interface Instance extends FleetMember {
  readonly gate: LicenzyGate;
  readonly receiver: WebhookReceiver;
}

/** Licenzy's truth: subjects always granted, never granted, and granted until revoked (at `revokedAt`, performance time). */
export interface Truth {
  readonly subjects: readonly string[];
  readonly granted: ReadonlySet<number>;
  readonly revocable: readonly number[];
  readonly revokedAt: Map<number, number>;
  /** When the webhook of a revocation was first answered 200 (performance time). */
  readonly acknowledgedAt: Map<number, number>;
  /** Whether that 200 came from an instance whose tier waited for a replica (a failover cannot lose it). */
  readonly replicated: Map<number, boolean>;
}

export interface Figures {
  readonly requests: number;
  readonly allowed: number;
  readonly errors: number;
  /** "allowed" for a subject Licenzy never granted. */
  readonly wrong: number;
  /** "denied" for a subject Licenzy granted at the time (Licenzy stays up throughout). */
  readonly falseDenials: number;
  /** A revoked subject allowed by a check that started later than the bound after its revocation. */
  readonly lateRevocations: number;
  /**
   * Revoked subjects allowed by a check that started more than 1 s after the revocation's webhook was answered 200 by
   * an instance whose tier waited for a replica, or by any instance when the failover loses nothing (planned).
   */
  readonly afterAcknowledged: number;
  /** Longest time from such a 200 to the start of a check that still allowed the subject (ms; 0 when none did). */
  readonly longestAfterAcknowledged: number;
  /**
   * For each check counted in `afterAcknowledged` (and for the longest such check when none was), the instance and
   * client that answered and the subject's timeline on it: revocation, webhook 200s, what its tier told it, the check.
   */
  readonly timelines: string[];
  /** Longest time from a revocation to the start of a check that still allowed it (ms). */
  readonly longestRevocation: number;
  readonly revocations: number;
  /** Revocations whose first webhook attempt was refused (503): Licenzy retried them. */
  readonly retriedRevocations: number;
  readonly unacknowledged: number;
  readonly slow: number;
  readonly slowest: number;
  readonly licenzyCalls: number;
}

/**
 * One local Licenzy, a webhook entry point for the instances, and the instances themselves. Every instance is a gate
 * on its own tier (its own connections to Redis); `members` makes the tiers (and closes what it opened).
 */
export async function startFleet(members: () => Promise<FleetMember[]>, subjectCount = 200) {
  const secret = generateWebhookSecret();
  let instances: Instance[] = [];
  let next = 0;
  const deliveries: Array<{ subject: string; status: number; at: number; replicated: boolean; instance: number }> = [];
  // Every event each instance's tier delivered to its gate, kept for the judge's timelines.
  const events: TierEvent[] = [];
  // The load balancer in front of the instances' webhook routes: each delivery goes to the next instance.
  const balancer = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const which = next++ % instances.length;
      const instance = instances[which]!;
      const rawBody = Buffer.concat(chunks);
      void instance.receiver.handle({ headers: req.headers, rawBody, rawHeaders: req.rawHeaders }).then(({ status, body }) => {
        deliveries.push({ subject: subjectOfBody(rawBody), status, at: performance.now(), replicated: instance.replicas > 0, instance: which });
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      });
    });
  });
  await new Promise<void>((resolve) => balancer.listen(0, '127.0.0.1', resolve));
  const port = (balancer.address() as { port: number }).port;
  const licenzy: LocalLicenzy = await startLocalLicenzy({
    // Licenzy retries a refused webhook (here 10 times over 15.5 s, sooner than in production, so they land inside the
    // scenario even when a loaded machine slows the promotion down).
    mock: { latency: 2, webhooks: [{ url: `http://127.0.0.1:${port}/webhooks/licenzy`, secret }], webhookRetryDelays: [250, 250, 500, 500, 1000, 1000, 2000, 2000, 4000, 4000] },
    // The gates and tiers log to the console: vitest.setup.ts holds their lines back and prints them if a test fails.
    gate: { retries: 0, timeout: TIMING.licenzyTimeout, cache: { ttl: TIMING.ttl, deniedTtl: TIMING.deniedTtl } },
  });
  // The scope the gates bind (derived from Licenzy's test key): a test needs it to place subjects on shards.
  const scopes: SharedTierScope[] = [];
  instances = (await members()).map((member, which) => {
    const bind = (scope: SharedTierScope) => recorded(member.tier.bind(scope), which, events);
    const tier: SharedTier = { bind: (scope) => (scopes.push(scope), bind(scope)), close: () => member.tier.close() };
    const gate = licenzy.gate({ shared: tier });
    return { ...member, gate, receiver: createWebhookReceiver({ gate, scheme: 'standard-webhooks', secret }) };
  });
  await Promise.all(instances.map((instance) => tierReady(instance.gate)));

  const subjects = Array.from({ length: subjectCount }, (_, i) => `lz_test_example_failover_${i}`);
  const state = { closed: false };
  return {
    licenzy,
    instances,
    subjects,
    deliveries,
    events,
    get scope(): SharedTierScope {
      return scopes[0]!;
    },
    /**
     * A new truth: 60% of the subjects granted, the rest never; `revocable` of the granted ones will be revoked, half
     * of them (alternately) among those `preferred` says, when there are enough.
     */
    async truth(revocable: number, preferred: (subject: string) => boolean = () => true): Promise<Truth> {
      licenzy.mock.reset();
      const granted = new Set<number>();
      subjects.forEach((subject, i) => {
        if (i % 5 < 3) {
          granted.add(i);
          licenzy.mock.grant(subject);
        }
      });
      // The grants' webhooks delivered, then every cache emptied: the scenario starts from this truth alone.
      await licenzy.mock.webhooksIdle();
      for (const instance of instances) instance.gate.clear();
      deliveries.length = 0;
      events.length = 0;
      const [yes, no] = [[...granted].filter((i) => preferred(subjects[i]!)), [...granted].filter((i) => !preferred(subjects[i]!))];
      const chosen: number[] = [];
      for (let i = 0; chosen.length < revocable && i < granted.size; i++) {
        const from = i % 2 === 0 ? yes : no;
        const other = from === yes ? no : yes;
        const next = from.shift() ?? other.shift();
        if (next !== undefined) chosen.push(next);
      }
      return { subjects, granted, revocable: chosen, revokedAt: new Map(), acknowledgedAt: new Map(), replicated: new Map() };
    },
    /** Revokes at Licenzy now; its webhook goes out (and is retried) in the background. */
    revoke(truth: Truth, index: number): void {
      truth.revokedAt.set(index, performance.now());
      licenzy.mock.revoke(subjects[index]!);
    },
    /** Waits until every revocation's webhook was acknowledged, or Licenzy gave up on it. */
    async settle(truth: Truth): Promise<void> {
      await licenzy.mock.webhooksIdle();
      for (const index of truth.revokedAt.keys()) {
        const ok = deliveries.find((d) => d.subject === subjects[index] && d.status === 200);
        if (ok === undefined) continue;
        truth.acknowledgedAt.set(index, ok.at);
        truth.replicated.set(index, ok.replicated);
      }
    },
    retried(truth: Truth): number {
      return [...truth.revokedAt.keys()].filter((i) => deliveries.find((d) => d.subject === subjects[i])?.status !== 200).length;
    },
    async close() {
      if (state.closed) return;
      state.closed = true;
      for (const instance of instances) await instance.close().catch(() => undefined);
      await licenzy.close();
      await new Promise((resolve) => balancer.close(resolve));
    },
  };
}

export type Fleet = Awaited<ReturnType<typeof startFleet>>;

/** The subject of a revocation's webhook; '' for the others (the grants of a new truth send webhooks too). */
function subjectOfBody(body: Buffer): string {
  try {
    const data = (JSON.parse(body.toString()) as { data?: { subject_ref?: unknown; reason?: unknown } }).data;
    return data?.reason === 'revoked' ? String(data.subject_ref) : '';
  } catch {
    return '';
  }
}

/** The binding, with every event it delivers to its gate recorded (time, instance, type, subject). */
export function recorded(binding: SharedTierBinding, instance: number, events: TierEvent[]): SharedTierBinding {
  return {
    read: (subjectRef) => binding.read(subjectRef),
    write: (subjectRef, entry, token, options) => binding.write(subjectRef, entry, token, options),
    invalidate: (subjectRef) => binding.invalidate(subjectRef),
    clear: () => binding.clear(),
    subscribe: (listener) =>
      binding.subscribe((event) => {
        events.push({ at: performance.now(), instance, type: event.type, ...(event.type === 'invalidate' ? { subject: event.subjectRef } : {}) });
        listener(event);
      }),
  };
}

/** A fresh tier connects in the background: ready once a check of a new subject costs it no error. */
async function tierReady(gate: LicenzyGate): Promise<void> {
  await until(async () => {
    const errors = gate.stats().sharedErrors;
    return gate.check(`lz_test_example_probe_${Math.random()}`).then(() => gate.stats().sharedErrors === errors, () => false);
  }, 20_000, 'tier ready');
}

/**
 * Checks from every instance until `stop()`: `workers` loops per instance, each a check then a short pause, a third of
 * them on the subjects to be revoked (so each revoked subject is asked many times a second). Samples are kept flat.
 */
export function startLoad(fleet: Fleet, truth: Truth, workers = 3) {
  const samples: number[] = [];
  let running = true;
  const revocable = truth.revocable;
  // Licenzy's `checkedAt` is wall-clock time: mapped onto the performance clock the samples use.
  const wallOffset = Date.now() - performance.now();
  const pick = () => (Math.random() < 0.3 ? revocable[Math.floor(Math.random() * revocable.length)]! : Math.floor(Math.random() * truth.subjects.length));
  const loops = fleet.instances.flatMap((instance, which) =>
    Array.from({ length: workers }, async () => {
      while (running) {
        const subject = pick();
        const start = performance.now();
        let answer: number;
        let source = -1, checkedAt = Number.NaN;
        try {
          const decision = await instance.gate.check(truth.subjects[subject]!);
          answer = decision.allowed === true ? ALLOWED : DENIED;
          source = SOURCES.indexOf(decision.source as (typeof SOURCES)[number]);
          checkedAt = decision.checkedAt - wallOffset;
        } catch {
          answer = ERROR;
        }
        samples.push(which, subject, start, performance.now() - start, answer, source, checkedAt);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    }),
  );
  return {
    samples,
    async stop(): Promise<void> {
      running = false;
      await Promise.all(loops);
    },
  };
}

/** Counts what the issue asks for, against Licenzy's truth; `slowBound`: the tier's read budget plus Licenzy's timeout. */
export function judge(fleet: Fleet, truth: Truth, samples: readonly number[], options: { slowBound: number; lossy: boolean }): Figures {
  const bound = TIMING.ttl + TIMING.revocationSlack;
  let wrong = 0, falseDenials = 0, late = 0, afterAcknowledged = 0, longest = 0, longestAfterAck = 0, errors = 0, allowed = 0, slow = 0, slowest = 0;
  const flagged: number[] = [];
  let longestSample = -1;
  for (let i = 0; i < samples.length; i += FIELDS) {
    const [subject, start, took, answer] = [samples[i + 1]!, samples[i + 2]!, samples[i + 3]!, samples[i + 4]!];
    slowest = Math.max(slowest, took);
    if (took > options.slowBound) slow++;
    if (answer === ERROR) {
      errors++;
      continue;
    }
    const revokedAt = truth.revokedAt.get(subject);
    const grantedNow = truth.granted.has(subject) && (revokedAt === undefined || start < revokedAt);
    if (answer === DENIED) {
      // Only a check that ended before the revocation was owed "allowed".
      if (grantedNow && (revokedAt === undefined || start + took < revokedAt)) falseDenials++;
      continue;
    }
    allowed++;
    if (!truth.granted.has(subject)) wrong++;
    else if (revokedAt !== undefined && start >= revokedAt) {
      longest = Math.max(longest, start - revokedAt);
      if (start > revokedAt + bound) late++;
      const ack = truth.acknowledgedAt.get(subject);
      if (ack !== undefined && start > ack && (truth.replicated.get(subject) === true || !options.lossy)) {
        if (start - ack > longestAfterAck) [longestAfterAck, longestSample] = [start - ack, i];
        if (start > ack + 1_000) {
          afterAcknowledged++;
          flagged.push(i);
        }
      }
    }
  }
  const explained = flagged.length > 0 ? flagged.slice(0, 5) : longestSample >= 0 ? [longestSample] : [];
  return {
    requests: samples.length / FIELDS,
    allowed,
    errors,
    wrong,
    falseDenials,
    lateRevocations: late,
    afterAcknowledged,
    longestAfterAcknowledged: Math.round(longestAfterAck),
    timelines: explained.map((i) => timeline(fleet, truth, samples, i)),
    longestRevocation: Math.round(longest),
    revocations: truth.revokedAt.size,
    retriedRevocations: fleet.retried(truth),
    unacknowledged: truth.revokedAt.size - truth.acknowledgedAt.size,
    slow,
    slowest: Math.round(slowest),
    licenzyCalls: fleet.licenzy.mock.count(CHECK),
  };
}

const ms = (value: number) => `${Math.round(value)} ms`;

/**
 * The story of one allowed check of a revoked subject, times relative to the revocation: which instance (and client)
 * answered, where its answer came from, the webhook deliveries of the subject, and what that instance's tier told its
 * gate from 3 s before the revocation to the check (resets, invalidations of this subject, clears).
 */
function timeline(fleet: Fleet, truth: Truth, samples: readonly number[], i: number): string {
  const [which, subject, start, took, , source, checkedAt] = samples.slice(i, i + FIELDS) as number[] as [number, number, number, number, number, number, number];
  const name = fleet.subjects[subject]!;
  const t0 = truth.revokedAt.get(subject)!;
  const at = (t: number) => `${t >= t0 ? '+' : ''}${ms(t - t0)}`;
  const names = fleet.instances.map((instance) => instance.name);
  const deliveries = fleet.deliveries
    .filter((d) => d.subject === name)
    .map((d) => `${d.status} from "${names[d.instance]}" at ${at(d.at)}`);
  const seen = fleet.events
    .filter((e) => e.instance === which && e.at >= t0 - 3_000 && e.at <= start && (e.type !== 'invalidate' || e.subject === name))
    .map((e) => `${e.type === 'invalidate' ? 'heard invalidate' : e.type} ${at(e.at)}`);
  return (
    `instance "${names[which]}" allowed ${name} (revoked at ${at(t0)}) in a check started at ${at(start)} taking ${ms(took)}, ` +
    `from ${SOURCES[source] ?? '?'} (Licenzy's answer of ${Number.isFinite(checkedAt) ? at(checkedAt) : '?'}); ` +
    `webhooks: ${deliveries.join(', ') || 'none'}; its tier said: ${seen.join(', ') || 'nothing'}`
  );
}

/** One line per scenario, on stdout (visible in a green run). */
export function report(scenario: string, figures: Figures, failover: Record<string, number | string>): void {
  const extra = Object.entries(failover).map(([k, v]) => `${k} ${v}`).join(', ');
  process.stdout.write(
    `[failover] ${scenario}: ${figures.requests} requests (${figures.allowed} allowed, ${figures.errors} errors), ` +
      `${figures.wrong} wrong answers, ${figures.falseDenials} false denials, ${figures.lateRevocations} late revocations ` +
      `(${figures.revocations} revoked, ${figures.retriedRevocations} retried by Licenzy, ${figures.unacknowledged} never acknowledged; ` +
      `longest revoked-but-allowed ${figures.longestRevocation} ms, ${figures.longestAfterAcknowledged} ms after a safe 200, ` +
      `${figures.afterAcknowledged} allowed >1 s after it), ` +
      `${figures.slow} slow (slowest ${figures.slowest} ms), ${figures.licenzyCalls} Licenzy calls; ${extra}\n` +
      figures.timelines.map((line) => `[failover]   ${line}\n`).join(''),
  );
}

/** Runs `during` with the revocations spread over it: `count` of them, `every` ms apart, the first `lead` ms before. */
export async function revokeDuring(fleet: Fleet, truth: Truth, every: number, during: () => Promise<void>, lead = 200): Promise<void> {
  const revocations = (async () => {
    for (const index of truth.revocable) {
      fleet.revoke(truth, index);
      await new Promise((resolve) => setTimeout(resolve, every));
    }
  })();
  await new Promise((resolve) => setTimeout(resolve, lead));
  await Promise.all([during(), revocations]);
}

/**
 * One scenario: a new truth, one second of load to fill every cache, then `failover` with the revocations spread over
 * it (the first just before it), and the load kept up until every revocation is older than its bound. Resolves the
 * figures (also printed as one line).
 */
export async function runScenario(
  fleet: Fleet,
  options: {
    name: string;
    slowBound: number;
    /** The failover may lose writes a replica did not have yet (a crash): only a 200 after a WAIT is then binding. */
    lossy: boolean;
    revocations?: number;
    every?: number;
    preferred?: (subject: string) => boolean;
  },
  failover: () => Promise<Record<string, number | string>>,
): Promise<Figures> {
  const truth = await fleet.truth(options.revocations ?? 16, options.preferred);
  const load = startLoad(fleet, truth);
  let details: Record<string, number | string> = {};
  try {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await revokeDuring(fleet, truth, options.every ?? 200, async () => {
      details = await failover();
    });
    const last = Math.max(...truth.revokedAt.values());
    await until(() => performance.now() > last + TIMING.ttl + TIMING.revocationSlack + 500, 30_000, 'every revocation past its bound');
  } finally {
    await load.stop();
  }
  await fleet.settle(truth);
  const figures = judge(fleet, truth, load.samples, options);
  report(options.name, figures, details);
  return figures;
}

/**
 * Every scenario's promises: what the issue counts must be 0 (wrong answers, late revocations, false denials, allows
 * after an acknowledged revocation), every revocation acknowledged in the end, and no check past `slowFactor` times its
 * bound.
 */
export function expectSafe(figures: Figures, slowBound: number): void {
  expect(figures.requests).toBeGreaterThan(1_000);
  expect(figures.wrong).toBe(0);
  expect(figures.lateRevocations).toBe(0);
  expect(figures.falseDenials).toBe(0);
  expect(figures.unacknowledged).toBe(0);
  expect(figures.afterAcknowledged).toBe(0);
  expect(figures.slowest).toBeLessThan(slowBound * TIMING.slowFactor);
}
