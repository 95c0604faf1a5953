// The replay window of tier messages (issue 23, item 7): each genuine message once, within its age, in bounded memory.
import { describe, expect, it } from 'vitest';
import { createReplayGuard } from '../src/replay-guard.js';
import { createClock } from '../../core/test/fake-checker.js';

describe('createReplayGuard', () => {
  it('admits a message once: a replayed copy is refused however often it is sent', () => {
    const clock = createClock();
    const guard = createReplayGuard({ now: clock.now });
    expect(guard.admit('n1', clock.now())).toBe(true);
    for (let i = 0; i < 100; i++) expect(guard.admit('n1', clock.now())).toBe(false);
    expect(guard.admit('n2', clock.now())).toBe(true);
  });

  it('refuses a message older than maxAge or dated beyond maxSkew, on the injected clock', () => {
    const clock = createClock();
    const guard = createReplayGuard({ now: clock.now, maxAge: 30_000, maxSkew: 5_000 });
    const sentAt = clock.now();
    clock.advance(30_000);
    expect(guard.admit('late', sentAt)).toBe(false);
    expect(guard.admit('recent', sentAt + 1)).toBe(true);
    expect(guard.admit('future', clock.now() + 5_001)).toBe(false);
    expect(guard.admit('slightly ahead', clock.now() + 5_000)).toBe(true);
  });

  it('a nonce forgotten because it aged out is still refused: its age refuses it', () => {
    const clock = createClock();
    const guard = createReplayGuard({ now: clock.now, maxAge: 1_000 });
    const sentAt = clock.now();
    expect(guard.admit('n1', sentAt)).toBe(true);
    clock.advance(1_000);
    expect(guard.admit('n2', clock.now())).toBe(true); // prunes n1
    expect(guard.admit('n1', sentAt)).toBe(false);
  });

  it('bounded memory: when full, the oldest nonce goes and nothing sent no later than it passes again', () => {
    const clock = createClock();
    const guard = createReplayGuard({ now: clock.now, capacity: 3 });
    const sent = [0, 1, 2, 3].map((i) => clock.now() + i);
    sent.forEach((at, i) => expect(guard.admit(`n${i}`, at)).toBe(true));
    // n0 was forgotten to make room for n3: its replay is refused by the floor, and so is any message sent before.
    expect(guard.admit('n0', sent[0]!)).toBe(false);
    expect(guard.admit('other', sent[0]! - 1)).toBe(false);
    for (let i = 1; i < 4; i++) expect(guard.admit(`n${i}`, sent[i]!)).toBe(false);
    expect(guard.admit('n4', sent[3]! + 1)).toBe(true);
  });
});
