// GateRegistry holds gates weakly: observing a gate never keeps it alive, and a broken stats() is skipped.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { GateRegistry } from '../src/gate-registry.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

type Stats = () => { size: number; circuit: 'closed' | 'open' | 'half-open' };

describe('GateRegistry', () => {
  it('reports each gate once, however many events carry its stats()', () => {
    const registry = new GateRegistry();
    const stats: Stats = () => ({ size: 2, circuit: 'open' });
    registry.add(stats, 'test');
    registry.add(stats, 'test');
    expect(registry.snapshot()).toEqual([{ mode: 'test', size: 2, circuit: 'open' }]);
  });

  it('skips a gate whose stats() throws, and keeps the others', () => {
    const registry = new GateRegistry();
    registry.add(() => { throw new Error('broken'); }, 'live');
    registry.add(() => ({ size: 1, circuit: 'closed' }), 'test');
    expect(registry.snapshot()).toEqual([{ mode: 'test', size: 1, circuit: 'closed' }]);
    expect(registry.count).toBe(2);
  });

  it('drops a gate once the app has dropped it (held by WeakRef only)', async () => {
    const registry = new GateRegistry();
    const kept: Stats = () => ({ size: 1, circuit: 'closed' });
    registry.add(kept, 'test');
    (() => registry.add(() => ({ size: 5, circuit: 'closed' }), 'test'))();
    // A WeakRef target survives the job that created it: let the turn end, collect, look again (bounded).
    for (let turn = 0; turn < 20 && registry.snapshot().length > 1; turn++) {
      await new Promise((resolve) => setImmediate(resolve));
      gc();
    }
    expect(registry.snapshot()).toEqual([{ mode: 'test', size: 1, circuit: 'closed' }]);
    expect(registry.count).toBe(1);
  });

  it('forgets every gate on clear(), and can learn them again', () => {
    const registry = new GateRegistry();
    const stats: Stats = () => ({ size: 1, circuit: 'closed' });
    registry.add(stats, 'test');
    registry.clear();
    expect(registry.snapshot()).toEqual([]);
    registry.add(stats, 'test');
    expect(registry.snapshot()).toHaveLength(1);
  });
});
