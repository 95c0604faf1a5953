// Issue 23, items 5-7: one user (or someone on the tier's channel) must not multiply Licenzy calls through the fleet.
// Two and three gates, each on its own tier connections to one real redis-server, answer from a counting Licenzy;
// calls are counted per subject per freshInterval (or clear interval) window across the fleet.
import { createAccessGate, type LicenzyGate } from '@licenzy-gate/core';
import { createRedisTier } from '@licenzy-gate/redis';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { redisServerAvailable, startRedisServer, until, type RedisServer } from '../../packages/redis/test/redis-server.js';

const available = redisServerAvailable();
const quiet = { warn: () => undefined, error: () => undefined };
const API_KEY = 'lz_test_fleet_amplification_0001';
const FRESH = 1_000;

/** A Licenzy that answers from a set of paid subjects after a few ms, and records each call (subject, time). */
function countingLicenzy() {
  const paid = new Set<string>();
  const calls: Array<{ subjectRef: string; at: number }> = [];
  const checker = {
    mode: 'test' as const,
    async checkAccess(subjectRef: string) {
      calls.push({ subjectRef, at: Date.now() });
      await new Promise((resolve) => setTimeout(resolve, 2));
      return { subjectRef, allowed: paid.has(subjectRef) };
    },
  };
  const of = (subjectRef: string) => calls.filter((c) => c.subjectRef === subjectRef);
  /** The most calls for `subjectRef` in any window of `window` ms (sliding, starting at each call). */
  const perWindow = (subjectRef: string, window: number) => {
    const times = of(subjectRef).map((c) => c.at);
    return Math.max(0, ...times.map((start) => times.filter((t) => t >= start && t < start + window).length));
  };
  return { checker, paid, calls, of, perWindow };
}

describe.skipIf(!available)('one user through the fleet (Licenzy calls per subject per interval)', { timeout: 30_000 }, () => {
  let redis: RedisServer;
  let raw: ReturnType<typeof createClient>;
  const closers: Array<() => Promise<void>> = [];
  beforeAll(async () => {
    redis = await startRedisServer();
    raw = createClient({ url: redis.url });
    await raw.connect();
  });
  afterAll(async () => {
    raw?.destroy();
    await redis?.stop();
  });
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
    await raw.flushAll();
  });

  /** `n` app instances: each its own tier (connections) and gate, all on one Redis and one Licenzy. */
  async function fleet(n: number, licenzy: ReturnType<typeof countingLicenzy>): Promise<LicenzyGate[]> {
    const gates: LicenzyGate[] = [];
    for (let i = 0; i < n; i++) {
      const shared = createRedisTier({ url: redis.url });
      closers.push(() => shared.close());
      gates.push(createAccessGate({ client: licenzy.checker, apiKey: API_KEY, shared, logger: quiet, circuitBreaker: false, freshInterval: FRESH }));
    }
    // Every instance hears the others (its subscription is live) before the case starts.
    const probe = `probe_${Math.random()}`;
    await until(async () => {
      await Promise.all(gates.map((gate) => gate.check(probe)));
      if (!(await gates[0]!.invalidateEverywhere(probe).then(() => true, () => false))) return false;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return gates.slice(1).every((gate) => gate.peek(probe) === undefined);
    }, 5_000, 'subscriptions');
    licenzy.calls.length = 0;
    return gates;
  }

  describe.each([2, 3])('%i instances', (n) => {
    it('item 5: one user alternating a fresh route between instances: one call per freshInterval, not one per request', async () => {
      const licenzy = countingLicenzy();
      const gates = await fleet(n, licenzy);
      const started = Date.now();
      for (let i = 0; i < 60; i++) expect(await gates[i % n]!.check('alternating', { fresh: true })).toMatchObject({ allowed: false });
      const windows = Math.ceil((Date.now() - started) / FRESH);
      console.info(`[fleet] item 5, ${n} instances: ${licenzy.of('alternating').length} calls for 60 fresh checks in ${Date.now() - started} ms`);
      // Before the fix: 60 of 60. A read that overtakes the first write may cost one more call per instance, no more.
      expect(licenzy.perWindow('alternating', FRESH)).toBeLessThanOrEqual(n);
      expect(licenzy.of('alternating').length).toBeLessThanOrEqual(windows * n);
    });

    it('item 6: a waiting page on each instance for 2 s: at most one call per instance per freshInterval, and all wake on payment', async () => {
      const licenzy = countingLicenzy();
      const gates = await fleet(n, licenzy);
      const started = Date.now();
      const waits = gates.map((gate) => gate.waitForAccess('checkout', { timeout: 2_000 }).then(() => 'allowed', () => 'timeout'));
      expect(await Promise.all(waits)).toEqual(gates.map(() => 'timeout'));
      const calls = licenzy.of('checkout').length;
      console.info(`[fleet] item 6, ${n} instances: ${calls} calls in ${Date.now() - started} ms (max ${licenzy.perWindow('checkout', FRESH)} per ${FRESH} ms)`);
      // Before the fix: 765-1,414 calls in 2 s for two instances.
      expect(licenzy.perWindow('checkout', FRESH)).toBeLessThanOrEqual(n);
      expect(calls).toBeLessThanOrEqual(3 * n);
      // And the wait still ends on payment, on every instance.
      licenzy.paid.add('checkout');
      const paid = gates.map((gate) => gate.waitForAccess('checkout', { timeout: 5_000 }));
      await expect(Promise.all(paid)).resolves.toEqual(gates.map(() => expect.objectContaining({ allowed: true })));
    });

    it('item 7: a genuine clear replayed on the channel before each of 200 checks of 10 cached subjects costs one refill, no more', async () => {
      const licenzy = countingLicenzy();
      const gates = await fleet(n, licenzy);
      const subjects = Array.from({ length: 10 }, (_, i) => `cached_${i}`);
      for (const gate of gates) for (const subject of subjects) await gate.check(subject);
      // Capture one genuine clear as someone on the channel sees it.
      const [channel] = (await raw.sendCommand(['PUBSUB', 'CHANNELS', '*'])) as string[];
      const spy = raw.duplicate();
      await spy.connect();
      const captured: string[] = [];
      await spy.subscribe(channel!, (message) => void captured.push(message));
      gates[0]!.clear();
      await until(() => captured.length > 0, 5_000, 'a genuine clear');
      await spy.unsubscribe();
      spy.destroy();
      licenzy.calls.length = 0;
      const readers = gates.slice(1);
      for (let i = 0; i < 200; i++) {
        await raw.publish(channel!, captured[0]!);
        await readers[i % readers.length]!.check(subjects[i % subjects.length]!);
      }
      // Before the fix: 151-176 of 200 went to Licenzy. Now: at most the refill after the one genuine clear.
      console.info(`[fleet] item 7 replay, ${n} instances: ${licenzy.calls.length} calls for 200 checks`);
      expect(licenzy.calls.length).toBeLessThanOrEqual(subjects.length * readers.length);
    });

    it('item 7: a flood of genuine clears (one before each check) costs a bounded refill per second, never caching nothing', async () => {
      const licenzy = countingLicenzy();
      const gates = await fleet(n, licenzy);
      const subjects = Array.from({ length: 10 }, (_, i) => `flooded_${i}`);
      for (const gate of gates) for (const subject of subjects) await gate.check(subject);
      licenzy.calls.length = 0;
      const readers = gates.slice(1);
      const started = Date.now();
      let checks = 0;
      // For 2.5 s: a clear, one round trip to Redis (so it is carried), a check on another instance; again.
      while (Date.now() - started < 2_500) {
        gates[0]!.clear();
        await raw.ping();
        await readers[checks % readers.length]!.check(subjects[checks % subjects.length]!);
        checks++;
      }
      const seconds = Math.ceil((Date.now() - started) / 1_000);
      console.info(`[fleet] item 7 flood, ${n} instances: ${licenzy.calls.length} calls for ${checks} checks in ${Date.now() - started} ms`);
      // One refill per subject per receiving instance per second (+1 for the clear applied at once), not one per check.
      expect(licenzy.calls.length).toBeLessThanOrEqual(subjects.length * readers.length * (seconds + 1));
      expect(licenzy.calls.length).toBeLessThan(checks / 2);
    });
  });
});
