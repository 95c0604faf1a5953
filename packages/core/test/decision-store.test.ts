import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { GrowingLru } from '../src/decision-store.js';
import { createLruDecisionStore, namespacedStore } from '../src/decision-store.js';

const entry = (allowed: boolean) => ({ allowed, checkedAt: 0, expiresAt: 10, staleUntil: 10 });

describe('createLruDecisionStore', () => {
  it('is bounded and evicts the least recently used subject', () => {
    const store = createLruDecisionStore(2);
    store.set('a', entry(true));
    store.set('b', entry(true));
    store.get('a');
    store.set('c', entry(false));
    expect(store.size).toBe(2);
    expect(store.get('b')).toBeUndefined();
    expect(store.get('a')).toEqual(entry(true));
    expect(store.delete('a')).toBe(true);
    store.clear();
    expect(store.size).toBe(0);
  });
});

describe('namespacedStore', () => {
  it('keeps modes apart on one backing store', () => {
    const backing = createLruDecisionStore(10);
    const test = namespacedStore(backing, 'test');
    const live = namespacedStore(backing, 'live');
    test.set('u', entry(true));
    expect(live.get('u')).toBeUndefined();
    expect(backing.get('test:u')).toEqual(entry(true));
    expect(live.delete('u')).toBe(false);
    expect(test.delete('u')).toBe(true);
  });
});

describe('GrowingLru', () => {
  // The reference: a Map kept in recency order (oldest first).
  function reference<V>(max: number) {
    const map = new Map<string, V>();
    return {
      get(key: string) {
        const value = map.get(key);
        if (value !== undefined) {
          map.delete(key);
          map.set(key, value);
        }
        return value;
      },
      set(key: string, value: V) {
        map.delete(key);
        if (map.size >= max) map.delete(map.keys().next().value as string);
        map.set(key, value);
      },
      delete: (key: string) => map.delete(key),
      clear: () => map.clear(),
      get size() {
        return map.size;
      },
      keys: () => [...map.keys()],
      peek: (key: string) => map.get(key),
    };
  }

  /** A value that carries its key, so both layouts (a key array, or keys read from the values) can hold it. */
  interface Item {
    readonly key: string;
    readonly n: number;
  }

  it.each([
    ['a key array', false],
    ['keys read from the values (keyOf)', true],
  ])('behaves as an exact LRU under any sequence of operations, growing past its first capacity (%s)', { timeout: 30_000 }, (_name, keyed) => {
    // Clears are rare, so runs fill up and evict: a recency bug then evicts the wrong key, which a later read shows.
    const op = fc.oneof(
      { arbitrary: fc.record({ kind: fc.constant('get' as const), key: fc.integer({ min: 0, max: 60 }) }), weight: 10 },
      { arbitrary: fc.record({ kind: fc.constant('set' as const), key: fc.integer({ min: 0, max: 60 }), value: fc.integer() }), weight: 10 },
      { arbitrary: fc.record({ kind: fc.constant('delete' as const), key: fc.integer({ min: 0, max: 60 }) }), weight: 3 },
      { arbitrary: fc.record({ kind: fc.constant('clear' as const) }), weight: 1 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.array(op, { maxLength: 400, size: 'max' }), (max, ops) => {
        const lru = keyed ? new GrowingLru<Item>(max, (item) => item.key) : new GrowingLru<Item>(max);
        const model = reference<Item>(max);
        for (const o of ops) {
          if (o.kind === 'get') expect(lru.get(`k${o.key}`)).toBe(model.get(`k${o.key}`));
          else if (o.kind === 'set') {
            const item = { key: `k${o.key}`, n: o.value };
            const slot = lru.set(item.key, item);
            model.set(item.key, item);
            expect(lru.valueAt(slot)).toBe(item);
          } else if (o.kind === 'delete') expect(lru.delete(`k${o.key}`)).toBe(model.delete(`k${o.key}`));
          else {
            lru.clear();
            model.clear();
          }
          expect(lru.size).toBe(model.size);
          expect(lru.size).toBeLessThanOrEqual(max);
          expect(lru.capacity).toBeLessThanOrEqual(max);
        }
        // Every key has a slot of its own below the capacity, holding its value (read in recency order, which keeps it;
        // reading after each step instead would reorder the LRU like the model and hide a recency bug).
        const slots = model.keys().map((key) => lru.slotOf(key));
        expect(new Set(slots).size).toBe(slots.length);
        slots.forEach((slot, i) => {
          expect(slot).toBeGreaterThanOrEqual(0);
          expect(slot).toBeLessThan(lru.capacity);
          expect(lru.valueAt(slot)).toBe(model.peek(model.keys()[i] as string));
        });
        for (const key of model.keys()) expect(lru.get(key)).toBe(model.get(key));
      }),
      { numRuns: 150 },
    );
  });

  it("reuses a deleted key's slot before handing out a new one, and an evicted key's slot for the newcomer", () => {
    const lru = new GrowingLru<string>(3);
    expect(['a', 'b', 'c'].map((key) => lru.set(key, key.toUpperCase()))).toEqual([0, 1, 2]);
    expect(lru.delete('b')).toBe(true);
    expect(lru.slotOf('b')).toBe(-1);
    expect(lru.set('d', 'D')).toBe(1);
    // Full: 'a' is the least recently used, so 'e' takes its slot.
    expect(lru.set('e', 'E')).toBe(0);
    expect([lru.get('a'), lru.get('c'), lru.get('d'), lru.get('e')]).toEqual([undefined, 'C', 'D', 'E']);
  });

  it('evicts in recency order when keys are read from the values, and a read makes a key the most recent', () => {
    const lru = new GrowingLru<Item>(3, (item) => item.key);
    for (const key of ['a', 'b', 'c']) lru.set(key, { key, n: 0 });
    expect(lru.slotOf('a')).toBe(0); // 'a' is now the most recent; 'b' the least
    lru.set('d', { key: 'd', n: 0 });
    lru.set('e', { key: 'e', n: 0 });
    expect(['a', 'b', 'c', 'd', 'e'].map((key) => lru.get(key)?.key)).toEqual(['a', undefined, undefined, 'd', 'e']);
  });

  it('grows its slots by doubling up to max, keeping every value, and allocates nothing for max up front', () => {
    const lru = new GrowingLru<number>(100);
    expect(lru.capacity).toBe(16);
    const capacities = new Set<number>();
    for (let i = 0; i < 100; i++) {
      expect(lru.set(`k${i}`, i)).toBe(i);
      capacities.add(lru.capacity);
    }
    expect([...capacities]).toEqual([16, 32, 64, 100]);
    for (let i = 0; i < 100; i++) expect(lru.get(`k${i}`)).toBe(i);
    expect(new GrowingLru<number>(5).capacity).toBe(5);
  });

  it('refuses a max that is not a positive integer', () => {
    expect(() => new GrowingLru(0)).toThrow(RangeError);
    expect(() => new GrowingLru(1.5)).toThrow(RangeError);
  });
});
