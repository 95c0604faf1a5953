// Tests fault validation, FIFO hand-out and the answer mutations, without HTTP.
import { describe, expect, it } from 'vitest';
import { defaultFaultBody, FaultQueue, mutateAnswer, OMIT_FIELD, oversizedBody, type MockFault } from '../src/mock-faults.js';

describe('FaultQueue', () => {
  it('hands out the oldest matching fault, `times` times each', () => {
    const queue = new FaultQueue();
    queue.add({ type: 'status', status: 500 }, { times: 2, path: '/v1/access/check' });
    queue.add({ type: 'reset' }, { times: 1 });
    const taken = ['/v1/usage/consume', '/v1/access/check', '/v1/access/check', '/v1/access/check', '/v1/access/check'].map(
      (path) => queue.take(path)?.type,
    );
    expect(taken).toEqual(['reset', 'status', 'status', undefined, undefined]);
    expect(queue.size).toBe(0);
  });

  it('matches path prefixes ending in *', () => {
    const queue = new FaultQueue();
    queue.add({ type: 'hang' }, { path: '/v1/customer/access/*' });
    expect(queue.take('/v1/access/check')).toBeUndefined();
    expect(queue.take('/v1/customer/access/u')).toEqual({ type: 'hang' });
  });

  it('keeps an unlimited fault until removed, and tracks remaining uses', () => {
    const queue = new FaultQueue();
    const forever = queue.add({ type: 'hang' });
    const once = queue.add({ type: 'reset' }, { times: 3 });
    for (let i = 0; i < 5; i += 1) expect(queue.take('/x')?.type).toBe('hang');
    expect([forever.remaining, once.remaining]).toEqual([Infinity, 3]);
    forever.remove();
    expect(forever.remaining).toBe(0);
    expect(queue.take('/x')?.type).toBe('reset');
    expect(once.remaining).toBe(2);
    queue.clear();
    expect([queue.size, once.remaining, queue.take('/x')]).toEqual([0, 0, undefined]);
  });

  it.each([
    ['fault.type', { type: 'explode' } as unknown as MockFault],
    ['fault.status', { type: 'status', status: 600 } as MockFault],
    ['fault.status', { type: 'raw', status: 99, body: '' } as MockFault],
    ['fault.body', { type: 'raw' } as unknown as MockFault],
    ['fault.ms', { type: 'delay', ms: -5 } as MockFault],
    ['fault.intervalMs', { type: 'drip' } as unknown as MockFault],
    ['fault.chunkBytes', { type: 'drip', intervalMs: 1, chunkBytes: 0 } as MockFault],
    ['fault.bytes', { type: 'oversized', bytes: 1.5 } as MockFault],
    ['fault.subjectRef', { type: 'subject' } as unknown as MockFault],
    ['fault.location', { type: 'redirect', location: '' } as MockFault],
    ['fault.status', { type: 'redirect', location: '/x', status: 200 } as MockFault],
  ])('rejects a bad %s', (option, fault) => {
    expect(() => new FaultQueue().add(fault)).toThrow(expect.objectContaining({ option }));
  });

  it('lists the faults that still have uses left, as copies', () => {
    const queue = new FaultQueue();
    queue.add({ type: 'reset' }, { times: 1 });
    const outage = queue.add({ type: 'status', status: 503 }, { path: '/v1/*' });
    expect(queue.list()).toEqual([
      { fault: { type: 'reset' }, path: undefined, remaining: 1 },
      { fault: { type: 'status', status: 503 }, path: '/v1/*', remaining: Infinity },
    ]);
    queue.take('/v1/access/check');
    queue.list()[0]!.remaining = 99;
    expect(queue.list()).toEqual([{ fault: { type: 'status', status: 503 }, path: '/v1/*', remaining: Infinity }]);
    outage.remove();
    expect(queue.list()).toEqual([]);
  });

  it('rejects bad times and path', () => {
    expect(() => new FaultQueue().add({ type: 'hang' }, { times: 1.5 })).toThrow(expect.objectContaining({ option: 'times' }));
    expect(() => new FaultQueue().add({ type: 'hang' }, { path: 'v1/access/check' })).toThrow(expect.objectContaining({ option: 'path' }));
  });
});

describe('defaultFaultBody', () => {
  it('uses the documented auth code for 401 and a generic one otherwise', () => {
    expect(defaultFaultBody(401)).toEqual({ error: 'invalid_api_key' });
    expect(defaultFaultBody(418)).toEqual({ error: 'mock_fault' });
  });
});

describe('oversizedBody', () => {
  it('is exactly the requested size and valid JSON when large enough', () => {
    const body = oversizedBody('ü"ser', 1000);
    expect(body.length).toBe(1000);
    expect(JSON.parse(body.toString('utf8'))).toMatchObject({ subject_ref: 'ü"ser', allowed: true });
    expect(oversizedBody('u', 5).toString()).toBe('{"sub');
  });
});

describe('mutateAnswer', () => {
  it('replaces or omits subject_ref and allowed, leaving other answers alone', () => {
    const answer = { subject_ref: 'u', allowed: false };
    expect(mutateAnswer({ type: 'subject', subjectRef: 'v' }, answer)).toEqual({ subject_ref: 'v', allowed: false });
    expect(mutateAnswer({ type: 'subject', subjectRef: OMIT_FIELD }, answer)).toEqual({ allowed: false });
    expect(mutateAnswer({ type: 'allowed', value: null }, answer)).toEqual({ subject_ref: 'u', allowed: null });
    expect(mutateAnswer({ type: 'hang' }, answer)).toBe(answer);
    expect(mutateAnswer({ type: 'allowed', value: 1 }, [1])).toEqual([1]);
    expect(answer).toEqual({ subject_ref: 'u', allowed: false });
  });
});
