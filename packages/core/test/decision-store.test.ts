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
  function reference(max: number) {
    const map = new Map<string, number>();
    return {
      get(key: string) {
        const value = map.get(key);
        if (value !== undefined) {
          map.delete(key);
          map.set(key, value);
        }
        return value;
      },
      set(key: string, value: number) {
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
    };
  }

  it('behaves as an exact LRU under any sequence of operations (grows past its first capacity)', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('get' as const), key: fc.integer({ min: 0, max: 60 }) }),
      fc.record({ kind: fc.constant('set' as const), key: fc.integer({ min: 0, max: 60 }), value: fc.integer() }),
      fc.record({ kind: fc.constant('delete' as const), key: fc.integer({ min: 0, max: 60 }) }),
      fc.record({ kind: fc.constant('clear' as const) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.array(op, { maxLength: 400 }), (max, ops) => {
        const lru = new GrowingLru<number>(max);
        const model = reference(max);
        for (const o of ops) {
          if (o.kind === 'get') expect(lru.get(`k${o.key}`)).toBe(model.get(`k${o.key}`));
          else if (o.kind === 'set') {
            lru.set(`k${o.key}`, o.value);
            model.set(`k${o.key}`, o.value);
          } else if (o.kind === 'delete') expect(lru.delete(`k${o.key}`)).toBe(model.delete(`k${o.key}`));
          else {
            lru.clear();
            model.clear();
          }
          expect(lru.size).toBe(model.size);
          expect(lru.size).toBeLessThanOrEqual(max);
        }
        // Same contents: every key the model holds is there with its value (read in recency order, which keeps it).
        for (const key of model.keys()) expect(lru.get(key)).toBe(model.get(key));
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a max that is not a positive integer', () => {
    expect(() => new GrowingLru(0)).toThrow(RangeError);
    expect(() => new GrowingLru(1.5)).toThrow(RangeError);
  });
});
