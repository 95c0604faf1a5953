import { describe, expect, it } from 'vitest';
import { createLruDecisionStore, namespacedStore } from '../src/index.js';

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
