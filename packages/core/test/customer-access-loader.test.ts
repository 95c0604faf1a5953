// gate.customerAccess() (customer-access-loader.ts): its own small cache with the decision TTLs, coalesced loads.
import { describe, expect, it } from 'vitest';
import { LicenzyResponseError } from '../src/index.js';
import { flush } from './fake-checker.js';
import { setup, summary } from './fake-client.js';

describe('gate.customerAccess', () => {
  it('caches the summary for ttl when it has access, keeping unknown fields, frozen', async () => {
    const { fake, gate, clock } = setup({ cache: { ttl: 10_000, deniedTtl: 1_000 } });
    const first = gate.customerAccess('user_1');
    await flush();
    fake.summaries[0]!.resolve(summary('user_1', true));
    const loaded = await first;
    expect(loaded.entitlements[0]).toMatchObject({ usage_remaining: 7, future_field: 'kept' });
    expect(loaded.raw).toMatchObject({ brand_new: { nested: true } });
    expect(Object.isFrozen(loaded.entitlements[0])).toBe(true);
    clock.advance(9_999);
    expect(await gate.customerAccess('user_1')).toBe(loaded);
    clock.advance(1);
    void gate.customerAccess('user_1');
    await flush();
    expect(fake.summaries).toHaveLength(2);
    // Its own cache: the decision cache knows nothing of it.
    expect(gate.peek('user_1')).toBeUndefined();
    expect(gate.stats().size).toBe(0);
  });

  it('caches a summary without access for deniedTtl only, and coalesces concurrent loads', async () => {
    const { fake, gate, clock } = setup({ cache: { ttl: 10_000, deniedTtl: 1_000 } });
    const a = gate.customerAccess('user_2');
    const b = gate.customerAccess('user_2');
    await flush();
    expect(fake.summaries).toHaveLength(1);
    fake.summaries[0]!.resolve(summary('user_2', false));
    expect(await a).toBe(await b);
    clock.advance(1_000);
    void gate.customerAccess('user_2');
    await flush();
    expect(fake.summaries).toHaveLength(2);
  });

  it('forgets the summary on invalidate(), and never stores a load that started before it', async () => {
    const { fake, gate } = setup();
    const before = gate.customerAccess('user_3');
    await flush();
    gate.invalidate('user_3');
    fake.summaries[0]!.resolve(summary('user_3', false));
    await before;
    void gate.customerAccess('user_3');
    await flush();
    expect(fake.summaries).toHaveLength(2);
  });

  it('refuses a summary for another subject', async () => {
    const { fake, gate } = setup();
    const loaded = gate.customerAccess('user_4');
    await flush();
    fake.summaries[0]!.resolve(summary('someone_else', true));
    await expect(loaded).rejects.toBeInstanceOf(LicenzyResponseError);
  });
});
