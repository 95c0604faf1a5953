import { describe, expect, it } from 'vitest';
import { onAbort } from '../src/abort.js';

describe('onAbort', () => {
  it('tells every subscriber once, through a single listener on the signal', () => {
    const controller = new AbortController();
    let added = 0;
    const original = controller.signal.addEventListener.bind(controller.signal);
    controller.signal.addEventListener = ((...args: Parameters<typeof original>) => {
      added++;
      original(...args);
    }) as typeof original;
    const told: number[] = [];
    for (let i = 0; i < 50; i++) onAbort(controller.signal, () => told.push(i));
    controller.abort();
    controller.abort();
    expect(added).toBe(1);
    expect(told).toHaveLength(50);
  });

  it('a stopped subscription is not told', () => {
    const controller = new AbortController();
    const told: string[] = [];
    const stop = onAbort(controller.signal, () => told.push('stopped'));
    onAbort(controller.signal, () => told.push('kept'));
    stop();
    controller.abort();
    expect(told).toEqual(['kept']);
  });
});
