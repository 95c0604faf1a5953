// Unit tests of the tier's command breaker: timeout, circuit, single probe, recovery (clock injected).
import { describe, expect, it } from 'vitest';
import { createCommandBreaker } from '../src/breaker.js';

function setup() {
  let now = 0;
  const events: string[] = [];
  const breaker = createCommandBreaker({
    timeout: 20,
    threshold: 2,
    cooldown: 1000,
    now: () => now,
    onFailure: (error, first) => events.push(`failure:${first}:${error.message}`),
    onRecovered: ({ downForMs, failed }) => events.push(`recovered:${downForMs}:${failed}`),
  });
  return { breaker, events, advance: (ms: number) => (now += ms) };
}
const fail = () => Promise.reject(new Error('ECONNREFUSED'));

describe('createCommandBreaker', () => {
  it('tells onRecovered how long the outage lasted and how many operations failed, circuit rejections included', async () => {
    const { breaker, events, advance } = setup();
    await breaker.send(fail).catch(() => undefined);
    advance(300);
    await breaker.send(fail).catch(() => undefined);
    await breaker.send(() => Promise.resolve(1)).catch(() => undefined); // rejected by the open circuit
    advance(1000);
    await breaker.send(() => Promise.resolve(1));
    expect(events.at(-1)).toBe('recovered:1300:3');
  });

  it('rejects a command that hangs with ERR_LICENZY_SHARED_TIMEOUT', async () => {
    const { breaker } = setup();
    await expect(breaker.send(() => new Promise(() => undefined))).rejects.toMatchObject({ code: 'ERR_LICENZY_SHARED_TIMEOUT' });
  });

  it('opens after the threshold, lets exactly one probe through after the cooldown, and recovers', async () => {
    const { breaker, events, advance } = setup();
    await expect(breaker.send(fail)).rejects.toMatchObject({ code: 'ERR_LICENZY_SHARED_COMMAND' });
    await expect(breaker.send(fail)).rejects.toMatchObject({ code: 'ERR_LICENZY_SHARED_COMMAND' });
    let sent = 0;
    const ok = () => {
      sent += 1;
      return Promise.resolve('OK');
    };
    await expect(breaker.send(ok)).rejects.toMatchObject({ code: 'ERR_LICENZY_SHARED_CIRCUIT_OPEN' });
    expect(sent).toBe(0);
    advance(1000);
    let release!: (value: string) => void;
    const probe = breaker.send(() => new Promise<string>((resolve) => (release = resolve)));
    await expect(breaker.send(ok)).rejects.toMatchObject({ code: 'ERR_LICENZY_SHARED_CIRCUIT_OPEN' });
    release('OK');
    await expect(probe).resolves.toBe('OK');
    await expect(breaker.send(ok)).resolves.toBe('OK');
    expect(events).toEqual(['failure:true:Redis command failed: ECONNREFUSED', 'failure:false:Redis command failed: ECONNREFUSED', 'recovered:1000:4']);
  });

  it('a failed probe keeps the circuit open for another cooldown', async () => {
    const { breaker, advance } = setup();
    await breaker.send(fail).catch(() => undefined);
    await breaker.send(fail).catch(() => undefined);
    advance(1000);
    await expect(breaker.send(fail)).rejects.toMatchObject({ code: 'ERR_LICENZY_SHARED_COMMAND' });
    advance(999);
    await expect(breaker.send(() => Promise.resolve(1))).rejects.toMatchObject({ code: 'ERR_LICENZY_SHARED_CIRCUIT_OPEN' });
  });
});
