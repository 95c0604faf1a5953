// Regression (issue 23, item 8): with `charge: 'after'` a response is charged once delivered — started (headers sent)
// with a 2xx/3xx status — whether it then finishes or the client resets first; never one that did not start.
import { EventEmitter } from 'node:events';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { createAccessGate, type ConsumeUsageResult, type UsageEvent } from '../src/index.js';
import { createUsageGuard, type ResponseLike } from '../src/usage.js';
import { flush } from './fake-checker.js';

/** A Node-like response: its state is what the test sets, its events what the test emits. */
class FakeResponse extends EventEmitter implements ResponseLike {
  statusCode = 200;
  headersSent = false;
  writableEnded = false;
  writableFinished = false;
}

const events: UsageEvent[] = [];
const onEvent = (message: unknown) => void events.push(message as UsageEvent);
subscribe('licenzy-gate:usage', onEvent);
afterEach(() => {
  events.length = 0;
});
process.on('exit', () => unsubscribe('licenzy-gate:usage', onEvent));

async function metered(charge: 'before' | 'after') {
  const charged: number[] = [];
  const gate = createAccessGate({
    client: {
      mode: 'test',
      checkAccess: async (subjectRef) => ({ subjectRef, allowed: true }),
      consumeUsage: async (_subjectRef, units): Promise<ConsumeUsageResult> => {
        charged.push(units);
        return { ok: true, consumed: units, usageRemaining: 10 };
      },
      getCustomerAccess: async (subjectRef) => ({ subjectRef, hasAccess: true, status: 'active', entitlements: [{ kind: 'usage_pack', usage_remaining: 100 }], raw: {} }),
    },
  });
  const guard = createUsageGuard<object, () => void>({ gate, units: 3, charge }, () => 'user_1');
  const outcome = await guard.meter({}, { method: 'GET', url: '/export', idempotencyKey: undefined });
  if (!outcome.allowed) throw new Error('expected the metered request to be let through');
  const response = new FakeResponse();
  guard.watch(response, outcome);
  // After the handler charged nothing yet, for charge 'after'.
  expect(charged).toEqual(charge === 'after' ? [] : [3]);
  charged.length = 0;
  return { response, charged };
}

const failedEvents = () => events.filter((event) => event.type === 'handler_failed');

describe("charge: 'after' charges a delivered response (issue 23, item 8)", () => {
  it('a response that finishes 2xx is charged once', async () => {
    const { response, charged } = await metered('after');
    response.headersSent = true;
    response.writableEnded = true;
    response.writableFinished = true;
    response.emit('finish');
    response.emit('close');
    await flush();
    expect(charged).toEqual([3]);
    expect(failedEvents()).toEqual([]);
  });

  it('a streamed response whose handler finished, reset by the client before the last bytes, is charged', async () => {
    const { response, charged } = await metered('after');
    response.headersSent = true;
    response.writableEnded = true; // the handler called end(); the client reset before it flushed
    response.emit('close');
    await flush();
    expect(charged).toEqual([3]);
    expect(failedEvents()).toEqual([]);
  });

  it('a streamed response the client reset mid-stream is charged (it started) and published as handler_failed', async () => {
    const { response, charged } = await metered('after');
    response.headersSent = true;
    response.emit('close');
    await flush();
    expect(charged).toEqual([3]);
    expect(failedEvents()).toHaveLength(1);
  });

  it('a handler that failed before sending anything is not charged', async () => {
    const { response, charged } = await metered('after');
    response.emit('close'); // the connection dropped, nothing was sent
    await flush();
    expect(charged).toEqual([]);
    expect(failedEvents()).toEqual([]);
  });

  it.each([404, 500, 503])('a response that started with %i is not charged, finished or cut short', async (status) => {
    const { response, charged } = await metered('after');
    response.statusCode = status;
    response.headersSent = true;
    response.emit('close');
    response.emit('finish');
    await flush();
    expect(charged).toEqual([]);
    expect(failedEvents()).toEqual([]);
  });

  it('finish then close charges once', async () => {
    const { response, charged } = await metered('after');
    response.headersSent = true;
    response.emit('finish');
    response.emit('close');
    await flush();
    expect(charged).toEqual([3]);
  });

  it("charge: 'before' still reports a response cut short, and never charges twice", async () => {
    const { response, charged } = await metered('before');
    response.headersSent = true;
    response.emit('close');
    await flush();
    expect(charged).toEqual([]);
    expect(failedEvents()).toHaveLength(1);
  });
});
