// The fleet's cases, written once (issues 9 and 24): three app processes (scripts/fleet-app.mjs) on a shared Redis
// tier, whatever the topology behind it (one redis-server, a 3+3 Redis Cluster with node-redis or ioredis). A
// `RawRedis` is what someone with Redis access sees, per topology; `alone` (the same processes without the tier)
// adds the contrasts where a run has it.
import { randomUUID } from 'node:crypto';
import { signStandardWebhook } from '@licenzy-gate/core';
import type { LocalLicenzy } from '@licenzy-gate/testing';
import { createClient, createCluster } from 'redis';
import { expect, it } from 'vitest';
import { until, type Instance } from '../../scripts/fleet.mjs';

export const CHECK = 'POST /v1/access/check';
export const WEBHOOK_SECRET = `whsec_${Buffer.from('multi-instance test secret, 32 b').toString('base64')}`;
// Long lifetimes, so a 200 or 403 that changes during a case changed because of the tier, never by expiry; different
// ones, so a grant's entry in Redis is told from a denial's by its PTTL.
export const TTL = 60_000;
export const DENIED_TTL = 50_000;
export const LIFETIMES = { FLEET_TTL: String(TTL), FLEET_DENIED_TTL: String(DENIED_TTL) };
/** Bound on "every instance sees it": generous for a shared CI machine; the bench measures the real figure. */
export const PROPAGATION_BOUND = 3_000;

/** Redis as an operator (or an attacker with access) sees it: every node of the topology. */
export interface RawRedis {
  /** Subscribers of the tier's events channel, over every node. */
  subscribers(): Promise<number>;
  /** Keys on every primary. */
  dbSize(): Promise<number>;
  /** The entry keys (`…:e:…`) on every primary. */
  entryKeys(): Promise<Set<string>>;
  get(key: string): Promise<string | null>;
  pTTL(key: string): Promise<number>;
  /** Overwrites `to` with `from`'s value and remaining lifetime (COPY on one server; across slots on a cluster). */
  copy(from: string, to: string): Promise<void>;
  /** Overwrites `key`'s value, keeping its lifetime. */
  overwrite(key: string, value: string): Promise<void>;
  close(): Promise<void>;
}

/** One redis-server through a node-redis client (`client` is there for the cases only one server has). */
export async function rawSingle(url: string): Promise<RawRedis & { client: ReturnType<typeof createClient> }> {
  const client = createClient({ url });
  client.on('error', () => undefined); // the outage case kills the server under it
  await client.connect();
  return {
    client,
    async subscribers() {
      const [channel] = (await client.sendCommand(['PUBSUB', 'CHANNELS', '*'])) as string[];
      const reply = channel === undefined ? [] : ((await client.sendCommand(['PUBSUB', 'NUMSUB', channel])) as unknown[]);
      return Number(reply[1] ?? 0);
    },
    dbSize: () => client.dbSize(),
    entryKeys: async () => new Set((await client.sendCommand(['KEYS', '*:e:*'])) as string[]),
    get: (key) => client.get(key),
    pTTL: (key) => client.pTTL(key),
    async copy(from, to) {
      expect(Number(await client.sendCommand(['COPY', from, to, 'REPLACE']))).toBe(1);
    },
    async overwrite(key, value) {
      await client.sendCommand(['SET', key, value, 'KEEPTTL']);
    },
    close: async () => void (await client.quit().catch(() => undefined)),
  };
}

/** A Redis Cluster: keyed commands through a cluster client, the per-node ones on a client per node. */
export async function rawCluster(seeds: ReadonlyArray<{ host: string; port: number }>): Promise<RawRedis> {
  const cluster = createCluster({ rootNodes: seeds.map((s) => ({ url: `redis://${s.host}:${s.port}` })) });
  cluster.on('error', () => undefined);
  await cluster.connect();
  const nodes = await Promise.all(seeds.map(async (s) => {
    const node = createClient({ url: `redis://${s.host}:${s.port}` });
    node.on('error', () => undefined);
    return node.connect();
  }));
  const primaries = async () => {
    const roles = await Promise.all(nodes.map(async (node) => ((await node.sendCommand(['ROLE'])) as unknown[])[0]));
    return nodes.filter((_, i) => roles[i] === 'master');
  };
  const sum = (values: unknown[]) => values.reduce<number>((total, value) => total + Number(value), 0);
  return {
    async subscribers() {
      const channels = new Set((await Promise.all(nodes.map((n) => n.sendCommand(['PUBSUB', 'CHANNELS', '*']) as Promise<string[]>))).flat());
      const [channel] = channels;
      if (channel === undefined) return 0;
      return sum(await Promise.all(nodes.map(async (n) => ((await n.sendCommand(['PUBSUB', 'NUMSUB', channel])) as unknown[])[1])));
    },
    dbSize: async () => sum(await Promise.all((await primaries()).map((n) => n.dbSize()))),
    entryKeys: async () => new Set((await Promise.all((await primaries()).map((n) => n.sendCommand(['KEYS', '*:e:*']) as Promise<string[]>))).flat()),
    get: (key) => cluster.get(key),
    pTTL: (key) => cluster.pTTL(key),
    async copy(from, to) {
      // Different hash tags, different slots: COPY would be CROSSSLOT. Value and remaining lifetime, by hand.
      const [value, ttl] = await Promise.all([cluster.get(from), cluster.pTTL(from)]);
      expect(value).not.toBeNull();
      await cluster.set(to, value!, { PX: ttl });
    },
    async overwrite(key, value) {
      await cluster.sendCommand(key, false, ['SET', key, value, 'KEEPTTL']);
    },
    async close() {
      cluster.destroy();
      for (const node of nodes) node.destroy();
    },
  };
}

type Answer = { status: number; source: string | null };

export async function get(instance: Instance, user: string, path = '/pro'): Promise<Answer> {
  const response = await fetch(`${instance.url}${path}`, { headers: { 'x-demo-user': user } });
  await response.arrayBuffer();
  return { status: response.status, source: response.headers.get('x-decision-source') };
}

/** A signed `entitlement.updated` delivery for `subject`, posted to one instance's webhook route. */
async function sendWebhook(instance: Instance, subject: string): Promise<number> {
  const body = JSON.stringify({ type: 'entitlement.updated', id: randomUUID(), data: { subject_ref: subject, has_access: false } });
  const headers = signStandardWebhook({ secret: WEBHOOK_SECRET, id: `msg_${randomUUID()}`, timestamp: Math.floor(Date.now() / 1000), body });
  const response = await fetch(`${instance.url}/webhooks/licenzy`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body });
  await response.arrayBuffer();
  return response.status;
}

/** Waits until `instance` answers `status` for `user` (a bounded wait on the condition, never a sleep). */
export const untilStatus = (instance: Instance, user: string, status: number, what: string) =>
  until(async () => (await get(instance, user)).status === status, PROPAGATION_BOUND, what);

/** What the cases run against; read inside tests (after the suite's beforeAll). */
export interface FleetContext {
  readonly fleet: Instance[];
  /** The same three processes without the tier, each on its own LRU (the contrasts); absent: no contrast here. */
  readonly alone?: Instance[];
  readonly raw: RawRedis;
  readonly licenzy: LocalLicenzy;
}

/** Whether an answer `from` fetched reaches `to` through Redis (no second Licenzy call). A new subject per probe. */
export async function sharedThrough({ licenzy }: FleetContext, from: Instance, to: Instance): Promise<boolean> {
  const probe = `probe_${randomUUID()}`;
  licenzy.mock.grant(probe);
  if ((await get(from, probe)).status !== 200) return false;
  const before = licenzy.mock.count(CHECK);
  const answer = await get(to, probe);
  return answer.status === 200 && licenzy.mock.count(CHECK) === before;
}

/** The tier connects in the background: until all three subscribed and an answer is shared through Redis. */
export async function fleetReady(ctx: FleetContext, timeout = 10_000): Promise<void> {
  await until(async () => (await ctx.raw.subscribers()) === 3, timeout, 'three subscriptions');
  for (const [i, instance] of ctx.fleet.entries()) {
    await until(() => sharedThrough(ctx, instance, ctx.fleet[(i + 1) % 3]!), timeout, `tier ready on ${i}`);
  }
}

/** The cases every topology passes, unchanged. */
export function fleetCases(context: () => FleetContext): void {
  it('a revocation webhook sent to one instance is seen by all three (and, without the tier, by only that one)', async () => {
    const { fleet, alone, licenzy } = context();
    const runs = [[fleet, 'wh_revoked'], ...(alone ? [[alone, 'wh_revoked_alone'] as const] : [])] as const;
    for (const [instances, user] of runs) {
      licenzy.mock.grant(user);
      for (const instance of instances) expect((await get(instance, user)).status).toBe(200);
      licenzy.mock.revoke(user);
      // Cached: without a signal, every instance keeps granting for the TTL.
      for (const instance of instances) expect((await get(instance, user)).status).toBe(200);
      expect(await sendWebhook(instances[0]!, user)).toBe(200);
    }
    for (const [i, instance] of fleet.entries()) await untilStatus(instance, 'wh_revoked', 403, `403 on instance ${i}`);
    if (alone === undefined) return;
    expect((await get(alone[0]!, 'wh_revoked_alone')).status).toBe(403);
    // The contrast: the other instances of the fleet without the tier never heard of it.
    expect((await get(alone[1]!, 'wh_revoked_alone')).status).toBe(200);
    expect((await get(alone[2]!, 'wh_revoked_alone')).status).toBe(200);
  });

  it('a purchase plus a fresh check on one instance unblocks all three (the others drop their cached denial)', async () => {
    const { fleet, alone, licenzy } = context();
    const runs = [[fleet, 'buyer'], ...(alone ? [[alone, 'buyer_alone'] as const] : [])] as const;
    for (const [instances, user] of runs) {
      // Instances 1 and 2 cache the denial; instance 0 has not seen the user (so its fresh check is not the recent denial).
      expect((await get(instances[1]!, user)).status).toBe(403);
      expect((await get(instances[2]!, user)).status).toBe(403);
      licenzy.mock.grant(user); // no webhook in this fleet: only the fresh check can tell the others
      expect((await get(instances[1]!, user)).status).toBe(403);
      expect(await get(instances[0]!, user, '/pro/fresh')).toEqual({ status: 200, source: 'licenzy' });
    }
    const before = licenzy.mock.count(CHECK);
    await untilStatus(fleet[1]!, 'buyer', 200, '200 on instance 1');
    await untilStatus(fleet[2]!, 'buyer', 200, '200 on instance 2');
    // …answered from the fresh entry in Redis, not by asking Licenzy again.
    expect(licenzy.mock.count(CHECK) - before).toBe(0);
    if (alone === undefined) return;
    expect((await get(alone[1]!, 'buyer_alone')).status).toBe(403);
    expect((await get(alone[2]!, 'buyer_alone')).status).toBe(403);
  });

  it('one subject costs one Licenzy call per TTL across the fleet, with requests spread over all three (three without the tier)', async () => {
    const { fleet, alone, raw, licenzy } = context();
    const spread = async (instances: Instance[], user: string) => {
      licenzy.mock.grant(user);
      const before = licenzy.mock.count(CHECK);
      const keys = await raw.dbSize();
      expect((await get(instances[0]!, user)).status).toBe(200);
      // The first answer's write-through is not awaited by the request: until it lands (one Redis round trip), a
      // request on another instance may ask Licenzy too, like a cold stampede. From then on the fleet shares it.
      if (instances === fleet) await until(async () => (await raw.dbSize()) > keys, 5000, 'write-through');
      // Round-robin one at a time, then a concurrent burst over all three.
      for (let i = 0; i < 30; i++) expect((await get(instances[i % 3]!, user)).status).toBe(200);
      const burst = await Promise.all(Array.from({ length: 60 }, (_, i) => get(instances[i % 3]!, user)));
      expect(burst.every((answer) => answer.status === 200)).toBe(true);
      return licenzy.mock.count(CHECK) - before;
    };
    expect(await spread(fleet, 'spread_user')).toBe(1);
    if (alone !== undefined) expect(await spread(alone, 'spread_user_alone')).toBe(3);
  });

  it("an entry copied in Redis from one subject's key onto another's is ignored: no grant, Licenzy is asked", async () => {
    const { fleet, raw, licenzy } = context();
    const [paidKey, freeKey] = await entriesOf(context(), 'copy_paid', 'copy_free');
    // The attacker with Redis access: the paying subject's (genuine) entry onto the other subject's key.
    await raw.copy(paidKey, freeKey);
    expect(await raw.get(freeKey)).toBe(await raw.get(paidKey));

    const before = licenzy.mock.count(CHECK);
    // Instance 2 has neither subject in L1: both answers come from Redis or Licenzy.
    expect(await get(fleet[2]!, 'copy_paid')).toEqual({ status: 200, source: 'cache' }); // the genuine entry is used…
    expect(licenzy.mock.count(CHECK) - before).toBe(0);
    expect((await get(fleet[2]!, 'copy_free')).status).toBe(403); // …the copy is not: Licenzy was asked
    expect(licenzy.mock.count(CHECK) - before).toBe(1);
  });

  it("a forged entry (a denial's entry edited to grant, its MAC kept) is ignored: no grant, Licenzy is asked", async () => {
    const { fleet, raw, licenzy } = context();
    const [, freeKey] = await entriesOf(context(), 'forge_paid', 'forge_free');
    // `1|epoch|version|allowed|checkedAt|ttl|staleTtl|writtenAt|mac`: allowed 0 → 1, everything else as written.
    const fields = (await raw.get(freeKey))!.split('|');
    expect(fields[3]).toBe('0');
    fields[3] = '1';
    await raw.overwrite(freeKey, fields.join('|'));

    const before = licenzy.mock.count(CHECK);
    expect((await get(fleet[2]!, 'forge_free')).status).toBe(403);
    expect(licenzy.mock.count(CHECK) - before).toBe(1);
    expect(await get(fleet[2]!, 'forge_paid')).toEqual({ status: 200, source: 'cache' }); // the tier still answers
    expect(licenzy.mock.count(CHECK) - before).toBe(1);
  });
}

/**
 * Instance 0 answers `paid` (granted) and `free` (denied); resolves their entry keys as they appear in Redis (as
 * anyone with Redis access sees them), checked to be the grant's and the denial's by their PTTL.
 */
async function entriesOf({ fleet, raw, licenzy }: FleetContext, paid: string, free: string): Promise<[string, string]> {
  /** The one entry key written since `known`. */
  const newKey = async (known: Set<string>) => {
    let found: string[] = [];
    await until(async () => (found = [...(await raw.entryKeys())].filter((key) => !known.has(key))).length > 0, 5000, 'entry written');
    expect(found).toHaveLength(1);
    return found[0]!;
  };
  licenzy.mock.grant(paid);
  let known = await raw.entryKeys();
  expect((await get(fleet[0]!, paid)).status).toBe(200);
  const paidKey = await newKey(known);
  known = await raw.entryKeys();
  expect((await get(fleet[0]!, free)).status).toBe(403);
  const freeKey = await newKey(known);
  // A grant's entry lives `ttl`, a denial's `deniedTtl`: the keys are the ones we think they are.
  expect(await raw.pTTL(paidKey)).toBeGreaterThan(DENIED_TTL);
  expect(await raw.pTTL(freeKey)).toBeLessThanOrEqual(DENIED_TTL);
  return [paidKey, freeKey];
}
