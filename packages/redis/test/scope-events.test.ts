// A scope's events over a real redis-server: copies of genuine messages republished by someone on the channel are
// refused (issue 23, item 7), and so are old-format ones; a genuine message is heard once.
import { deriveSharedScope } from '@licenzy-gate/core';
import type { SharedEvent } from '@licenzy-gate/core/adapter';
import { createRedisTier } from '@licenzy-gate/redis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveKeys, sealMessage } from '../src/crypto.js';
import { redisServerAvailable, startRedisServer, until, type RedisServer } from './redis-server.js';

const available = redisServerAvailable();
const scope = deriveSharedScope('lz_test_scope_events_0001', 'test', 'https://licenzy.example');

describe.skipIf(!available)('scope events: replayed messages', { timeout: 20_000 }, () => {
  let server: RedisServer;
  let raw: ReturnType<typeof createClient>;
  let spy: ReturnType<typeof createClient>;
  const captured: string[] = [];
  const cleanups: Array<() => unknown> = [];
  const channel = `licenzy:${scope.namespace}:events`;
  beforeAll(async () => {
    server = await startRedisServer();
    raw = createClient({ url: server.url });
    await raw.connect();
    // The attacker's view: everything published on the channel.
    spy = raw.duplicate();
    await spy.connect();
    await spy.subscribe(channel, (message) => void captured.push(message));
  });
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
    spy?.destroy();
    raw?.destroy();
    await server?.stop();
  });

  it('a genuine clear is heard once; its copies, republished 200 times, are not', async () => {
    const [sender, receiver] = [createRedisTier({ url: server.url }), createRedisTier({ url: server.url })];
    cleanups.push(() => sender.close(), () => receiver.close());
    const from = sender.bind(scope);
    const events: SharedEvent[] = [];
    let live = false;
    receiver.bind(scope).subscribe((event) => {
      if (event.type === 'invalidate' && event.subjectRef === 'probe') live = true;
      else if (event.type !== 'reset') events.push(event);
    });
    await until(async () => (await from.invalidate('probe').catch(() => undefined), live), 5000, 'subscription');
    captured.length = 0;
    await from.clear();
    await from.invalidate('refunded');
    await until(() => events.length === 2 && captured.length >= 2, 5000, 'genuine messages');
    // Every message seen on the channel so far (late probes included), 100 times each.
    const copies = [...captured];
    for (let i = 0; i < 100; i++) for (const message of copies) await raw.publish(channel, message);
    // A marker sent after the copies: once it is heard, every copy has been delivered (one connection, in order).
    await from.invalidate('marker');
    await until(() => events.some((e) => e.type === 'invalidate' && e.subjectRef === 'marker'), 5000, 'marker');
    expect(events).toEqual([{ type: 'clear' }, { type: 'invalidate', subjectRef: 'refunded' }, { type: 'invalidate', subjectRef: 'marker' }]);
  });

  it('refuses a genuine message too old, and one in the old format (no sentAt), published on the channel', async () => {
    const receiver = createRedisTier({ url: server.url });
    cleanups.push(() => receiver.close());
    const keys = deriveKeys(scope);
    const events: SharedEvent[] = [];
    let live = false;
    receiver.bind(scope).subscribe((event) => {
      if (event.type !== 'reset' && !(event.type === 'invalidate' && event.subjectRef === 'probe')) events.push(event);
      if (event.type === 'invalidate' && event.subjectRef === 'probe') live = true;
    });
    await until(async () => {
      await raw.publish(channel, sealMessage(keys, { type: 'invalidate', subjectRef: 'probe', origin: 'elsewhere', sentAt: Date.now() }));
      return live;
    }, 5000, 'subscription');
    await raw.publish(channel, sealMessage(keys, { type: 'clear', origin: 'elsewhere', sentAt: Date.now() - 60_000 }));
    await raw.publish(channel, sealMessage(keys, { type: 'clear', origin: 'elsewhere' } as unknown as Parameters<typeof sealMessage>[1]));
    await raw.publish(channel, sealMessage(keys, { type: 'invalidate', subjectRef: 'marker', origin: 'elsewhere', sentAt: Date.now() }));
    await until(() => events.length > 0, 5000, 'marker');
    expect(events).toEqual([{ type: 'invalidate', subjectRef: 'marker' }]);
  });
});
