// One scope's binding on Redis: authenticated reads and writes, atomic invalidation and clear, and its events.
import type { SharedEntry, SharedTierBinding, SharedTierScope } from '@licenzy-gate/core/adapter';
import type { CommandConnection } from './connection.js';
import { decodeEntry, deriveKeys, encodeEntry, sealMessage, subjectHash, type ScopeKeys } from './crypto.js';
import { RedisTierError } from './errors.js';
import { evalReplicated, evalScript } from './eval.js';
import { scopeLayout } from './scope-keys.js';
import { createScopeEvents } from './scope-events.js';
import * as scripts from './scripts.js';
import type { SharedSubscriber } from './subscriptions.js';

/** Sends one command through the tier's breaker (or rejects at once when closed or open). */
export type SendCommand = <T>(command: (connection: CommandConnection) => Promise<T>, budget?: number) => Promise<T>;

/** An epoch or version counter as the tier writes it. */
const COUNTER = /^(0|[1-9][0-9]{0,15})$/;
/** Lifetime of a subject's version counter after an invalidation, in ms: far longer than any call in flight. */
const VERSION_TTL = 60 * 60 * 1000;

/** How a tier lays out and replicates a scope's data. */
export interface BindingLayout {
  readonly prefix: string;
  /** Hash-tagged keys, and the epoch read apart (a cluster). */
  readonly cluster: boolean;
  /** Replicas an invalidation or a clear waits for, and how long (ms). */
  readonly replicas: number;
  readonly waitMs: number;
}

export function bindScope(
  scope: SharedTierScope,
  layout: BindingLayout,
  send: SendCommand,
  subscriber: SharedSubscriber,
  resetListeners: Set<(up: boolean) => void>,
  now: () => number = Date.now,
): SharedTierBinding {
  const keys: ScopeKeys = deriveKeys(scope);
  const place = scopeLayout(layout.prefix, scope.namespace, layout.cluster);
  const epochKey = place.epoch;
  const eventsChannel = place.events;
  const events = createScopeEvents(keys, scope.namespace, eventsChannel, subscriber, resetListeners, now);
  const { origin } = events;
  const keysOf = (subjectRef: string) => {
    const hash = subjectHash(keys, subjectRef);
    return { hash, ...place.subject(hash) };
  };
  const { replicas, waitMs } = layout;
  const replicated = replicas > 0 ? 2 * waitMs : undefined;

  /** `[epoch, version, entry, pttl, now]` in one atomic script, or on a cluster the subject's script then the epoch. */
  async function fetchState(k: { version: string; entry: string }): Promise<unknown[]> {
    if (!layout.cluster) {
      const reply = await send((c) => evalScript(c, scripts.READ, [epochKey, k.version, k.entry], []));
      if (!Array.isArray(reply) || reply.length !== 5) throw unexpected();
      return reply as unknown[];
    }
    // The epoch (another slot) is read *after* the entry, so an entry written after a clear under an older token never matches.
    const reply = await send((c) => evalScript(c, scripts.READ_SUBJECT, [k.version, k.entry], []));
    if (!Array.isArray(reply) || reply.length !== 4) throw unexpected();
    const epoch = await send((c) => c.send(['GET', epochKey]));
    return [epoch ?? '0', ...(reply as unknown[])];
  }

  /** 1 written, 0 invalidated since the token, 2 only cleared since. */
  async function writeState(k: { version: string; entry: string }, epoch: string, version: string, rest: string[]): Promise<number> {
    if (!layout.cluster) {
      return Number(await send((c) => evalScript(c, scripts.WRITE, [epochKey, k.version, k.entry], [epoch, version, ...rest])));
    }
    const written = Number(await send((c) => evalScript(c, scripts.WRITE_SUBJECT, [k.version, k.entry], [version, ...rest])));
    if (written !== 1) return written;
    const current = await send((c) => c.send(['GET', epochKey]));
    return String(current ?? '0') === epoch ? 1 : 2;
  }

  return {
    async read(subjectRef) {
      const k = keysOf(subjectRef);
      const reply = await fetchState(k);
      const [epoch, version, raw, pttl, redisNow] = reply.map((v: unknown) => (v === null ? undefined : v)) as unknown[];
      const now = Number(redisNow);
      // Counters that are not ours (someone wrote to Redis) are a tier error, counted and treated like an outage: the
      // answer is still cached locally. Not a token that write() would refuse, which the gate must take as "invalidated
      // elsewhere" and drop its own entry for, on every instance at once.
      if (!COUNTER.test(String(epoch)) || !COUNTER.test(String(version)) || !Number.isSafeInteger(now)) {
        throw new RedisTierError('ERR_LICENZY_SHARED_COMMAND', 'Malformed epoch, version or time in Redis');
      }
      // The token carries Redis's time of this read: the entry written with it records an age Redis can check.
      const token = `${String(epoch)}:${String(version)}:${now}`;
      const stored = decodeEntry(keys, k.hash, raw);
      const remaining = Number(pttl);
      // Bound to the epoch and version it was written under: an entry from before a clear or an invalidation
      // (e.g. copied back by someone with Redis access) is not this subject's current state.
      if (stored === undefined || stored.epoch !== String(epoch) || stored.version !== String(version) || !(remaining > 0)) {
        return { entry: undefined, token };
      }
      // PX is not authenticated: someone with Redis access could extend it. So the lifetimes left are the written
      // ones minus the entry's age on Redis's own clock (counted from the read before the Licenzy call, so an honest
      // entry loses only that call's latency), never what PTTL says alone. An entry from Redis's future (its clock
      // stepped back) is not trusted.
      const age = now - stored.writtenAt;
      if (!(age >= 0)) return { entry: undefined, token };
      const staleTtl = Math.min(remaining, stored.staleTtl - age);
      if (!(staleTtl > 0)) return { entry: undefined, token };
      // The fresh window ends the written stale margin before the stale one does.
      const ttl = staleTtl - (stored.staleTtl - stored.ttl);
      // `age` counts from the read before the Licenzy call (Redis's clock): never younger than the answer is.
      // Only a fresh check's answer reports it: an ordinary miss elsewhere is no recent answer for a "just paid" check.
      if (ttl > 0) {
        const entry = { allowed: stored.allowed, checkedAt: stored.checkedAt, ttl, staleTtl };
        return { entry: stored.fresh ? { ...entry, age } : entry, token };
      }
      return { entry: undefined, token, stale: { allowed: stored.allowed, checkedAt: stored.checkedAt, staleTtl } };
    },

    async write(subjectRef, entry, token, options) {
      const [epoch, version, readAt] = parseToken(token);
      const { ttl, staleTtl } = lifetimesOf(entry);
      const k = keysOf(subjectRef);
      const value = encodeEntry(keys, k.hash, {
        epoch,
        version,
        allowed: entry.allowed === true,
        checkedAt: entry.checkedAt,
        ttl,
        staleTtl,
        writtenAt: Number(readAt),
        fresh: options?.broadcast === true,
      });
      const message = options?.broadcast ? sealMessage(keys, { type: 'invalidate', subjectRef, origin, sentAt: now() }) : '';
      const outcome = await writeState(k, epoch, version, [value, String(staleTtl), eventsChannel, message]);
      return outcome === 1 ? true : outcome === 2 ? 'cleared' : false;
    },

    async invalidate(subjectRef) {
      const k = keysOf(subjectRef);
      const message = sealMessage(keys, { type: 'invalidate', subjectRef, origin, sentAt: now() });
      await send((c) => evalReplicated(c, scripts.INVALIDATE, [k.version, k.entry], [String(VERSION_TTL), eventsChannel, message], replicas, waitMs), replicated);
    },

    async clear() {
      const message = sealMessage(keys, { type: 'clear', origin, sentAt: now() });
      await send((c) => evalReplicated(c, scripts.CLEAR, [epochKey], [eventsChannel, message], replicas, waitMs), replicated);
    },

    subscribe: (listener) => events.subscribe(listener),
  };
}

const unexpected = () => new RedisTierError('ERR_LICENZY_SHARED_COMMAND', 'Unexpected reply from Redis');

/** The epoch, version and Redis time of a token from `read()`. */
function parseToken(token: string): [epoch: string, version: string, readAt: string] {
  const match = /^(0|[1-9][0-9]{0,15}):(0|[1-9][0-9]{0,15}):([0-9]{1,16})$/.exec(token);
  // Only read() makes tokens, and it refuses malformed counters: anything else is a caller's bug, not a refusal.
  if (match === null) throw new RedisTierError('ERR_LICENZY_SHARED_COMMAND', 'Not a token from read()');
  const [, epoch, version, readAt] = match as unknown as [string, string, string, string];
  return [epoch, version, readAt];
}

/** Whole-millisecond lifetimes of an entry to write; the stale one never shorter than the fresh one. */
function lifetimesOf(entry: SharedEntry): { ttl: number; staleTtl: number } {
  const ttl = Math.floor(entry.ttl);
  const staleTtl = Math.max(Math.floor(entry.staleTtl), ttl);
  if (!(ttl > 0) || !Number.isSafeInteger(staleTtl) || !Number.isSafeInteger(entry.checkedAt) || entry.checkedAt < 0) {
    throw new RedisTierError('ERR_LICENZY_SHARED_COMMAND', 'Entry has no positive integer lifetime');
  }
  return { ttl, staleTtl };
}
