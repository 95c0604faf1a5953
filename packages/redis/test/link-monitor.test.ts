// Issue 24: a cluster or Sentinel subscriber's changed link is trusted only once a probe came back through every
// channel; until then every local decision is forgotten each interval. Driven by hand-stepped timers.
import { describe, expect, it } from 'vitest';
import { createLinkMonitor, PROBE_PREFIX, type MonitorTimers } from '../src/link-monitor.js';

function harness(channels: string[] = ['licenzy:a:events']) {
  let time = 0;
  let tick: (() => void) | undefined;
  const timers: MonitorTimers = {
    setInterval: (callback) => ((tick = callback), 'handle'),
    clearInterval: () => void (tick = undefined),
    now: () => time,
  };
  const published: Array<{ channel: string; message: string; settle: () => void }> = [];
  let resets = 0;
  const monitor = createLinkMonitor({
    reset: () => void resets++,
    channels: () => channels,
    publish: (channel, message) => new Promise<void>((settle) => published.push({ channel, message, settle })),
    interval: 100,
    timers,
  });
  return {
    monitor,
    published,
    channels,
    get resets() {
      return resets;
    },
    /** Moves the clock by `ms` and runs the interval's callback if one is set. */
    step(ms = 100) {
      time += ms;
      tick?.();
    },
  };
}

describe('link monitor (issue 24)', () => {
  it('forgets at once and every interval while a changed link is unconfirmed, and once more when its probe is back', () => {
    const h = harness();
    expect(h.monitor.trusted).toBe(true);
    h.monitor.suspect();
    expect(h.monitor.trusted).toBe(false);
    expect(h.resets).toBe(1);
    expect(h.published).toHaveLength(1);
    expect(h.published[0]!.message.startsWith(PROBE_PREFIX)).toBe(true);
    for (let i = 0; i < 5; i++) h.step();
    // Without a probe back, every interval forgets again (a decision cached meanwhile lives at most one interval).
    expect(h.resets).toBe(6);
    expect(h.monitor.trusted).toBe(false);
    h.monitor.heard('licenzy:a:events', h.published[0]!.message);
    expect(h.monitor.trusted).toBe(true);
    expect(h.resets).toBe(7);
    h.step();
    h.step();
    expect(h.resets).toBe(7);
  });

  it('a probe sent before a newer link change, a foreign one, or one heard on another channel does not restore trust', () => {
    const h = harness(['licenzy:a:events', 'licenzy:b:events']);
    h.monitor.suspect();
    const [a, b] = h.published;
    expect([a!.channel, b!.channel]).toEqual(['licenzy:a:events', 'licenzy:b:events']);
    // The link moves again: probes that may have come through the old one no longer count.
    h.monitor.suspect();
    h.monitor.heard('licenzy:a:events', a!.message);
    h.monitor.heard('licenzy:b:events', b!.message);
    h.monitor.heard('licenzy:a:events', `${PROBE_PREFIX}someone-else`);
    expect(h.monitor.trusted).toBe(false);
    const [a2, b2] = h.published.slice(2);
    h.monitor.heard('licenzy:a:events', b2!.message);
    expect(h.monitor.trusted).toBe(false);
    h.monitor.heard('licenzy:a:events', a2!.message);
    expect(h.monitor.trusted).toBe(false);
    h.monitor.heard('licenzy:b:events', b2!.message);
    expect(h.monitor.trusted).toBe(true);
  });

  it('one probe per channel in flight; a new one once it settled or after 1 s without an answer', () => {
    const h = harness();
    h.monitor.suspect();
    h.step();
    h.step();
    expect(h.published).toHaveLength(1);
    h.published[0]!.settle();
    return Promise.resolve().then(() => {
      h.step();
      expect(h.published).toHaveLength(2);
      // A PUBLISH that hangs (a paused node) holds back the next probe for 1 s only.
      for (let i = 0; i < 9; i++) h.step();
      expect(h.published).toHaveLength(2);
      h.step();
      expect(h.published).toHaveLength(3);
      // Any probe of this suspicion counts, the late one too.
      h.monitor.heard('licenzy:a:events', h.published[1]!.message);
      expect(h.monitor.trusted).toBe(true);
    });
  });

  it('with nothing subscribed there is nothing to miss: one reset, trusted at once; closed, it stays quiet', () => {
    const h = harness([]);
    h.monitor.suspect();
    expect(h.monitor.trusted).toBe(true);
    expect(h.published).toHaveLength(0);
    const closed = harness();
    closed.monitor.close();
    closed.monitor.suspect();
    expect(closed.resets).toBe(0);
  });

  it('past forgetFor an unconfirmed link stops forgetting (a long outage costs no Licenzy call per interval) but stays untrusted, probed, and forgets once when the probe is back; a new suspicion forgets again', () => {
    const h = harness();
    h.monitor.suspect();
    for (let i = 0; i < 99; i++) h.step(); // 9.9 s: still within FORGET_FOR (10 s)
    expect(h.resets).toBe(100);
    for (let i = 0; i < 50; i++) h.step(); // 14.9 s: no more forgetting
    expect(h.resets).toBe(100);
    expect(h.monitor.trusted).toBe(false);
    const last = h.published.at(-1)!;
    expect(h.published.length).toBeGreaterThan(1); // probing went on
    h.monitor.heard(last.channel, last.message);
    expect(h.monitor.trusted).toBe(true);
    expect(h.resets).toBe(101);
    h.monitor.suspect();
    h.step();
    expect(h.resets).toBe(103);
  });
});
