// createWebhookReceiver: signatures, timestamps, replays, size, events and subjects, against a real gate.
import { createHmac } from 'node:crypto';
import { Readable } from 'node:stream';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createAccessGate, createWebhookReceiver, LicenzyConfigError, readRawBody, signStandardWebhook, type AccessGate, type WebhookReceiverOptions } from '../src/index.js';
import { safeEqual } from '../src/webhook.js';
import { nodeCrypto } from '../src/node-builtins.js';

// The core loads node:crypto with process.getBuiltinModule() (issue 21: bundles for workerd), i.e. Node's own exports
// object, so a spy on it sees every comparison the receiver makes.
const timingSafeEqualSpy = vi.spyOn(nodeCrypto, 'timingSafeEqual');

const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const OLD_SECRET = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
const NOW = 1_800_000_000_000;
const seconds = (ms: number) => Math.floor(ms / 1000);

/** A real gate whose Licenzy says `allowed` for everyone; counts upstream calls and invalidations. */
function setup(allowed = true) {
  const upstream: string[] = [];
  const gate = createAccessGate({
    client: { mode: 'test', checkAccess: async (subjectRef) => (upstream.push(subjectRef), { subjectRef, allowed }) },
  });
  const invalidated: string[] = [];
  const invalidate = gate.invalidate.bind(gate);
  const everywhere = gate.invalidateEverywhere.bind(gate);
  const spied = {
    ...gate,
    invalidate: (s: string) => (invalidated.push(s), invalidate(s)),
    invalidateEverywhere: (s: string, o?: { reason?: 'local' | 'webhook' }) => (invalidated.push(s), everywhere(s, o)),
  };
  return { gate, spied, upstream, invalidated };
}

function standard(gate: AccessGate, extra: Partial<WebhookReceiverOptions> = {}) {
  return createWebhookReceiver({ gate, scheme: 'standard-webhooks', secret: SECRET, now: () => NOW, ...extra } as WebhookReceiverOptions);
}

function delivery(payload: unknown, init: { id?: string; at?: number; secret?: string } = {}) {
  const rawBody = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const headers = signStandardWebhook({ secret: init.secret ?? SECRET, id: init.id ?? 'msg_1', timestamp: seconds(init.at ?? NOW), body: rawBody });
  return { headers: headers as Record<string, string>, rawBody };
}

const event = (subjectRef = 'user_1', type = 'entitlement.updated') => ({ type, data: { subject_ref: subjectRef } });

describe('regression: a typeOf() that throws', () => {
  it('answers 503 without remembering the delivery, so Licenzy\'s retry still invalidates', async () => {
    const ctx = setup();
    await ctx.gate.check('user_1');
    let broken = true;
    const receiver = standard(ctx.spied, {
      typeOf: (payload) => {
        if (broken) throw new Error('payload.event is undefined');
        return (payload as { type: string }).type;
      },
    });
    expect((await receiver.handle(delivery(event()))).status).toBe(503);
    expect(ctx.invalidated).toEqual([]);
    broken = false;
    expect((await receiver.handle(delivery(event()))).status).toBe(200);
    expect(ctx.invalidated).toEqual(['user_1']);
    expect(ctx.gate.peek('user_1')).toBeUndefined();
  });
});

describe('createWebhookReceiver (standard-webhooks)', () => {
  let ctx: ReturnType<typeof setup>;
  beforeEach(async () => {
    ctx = setup();
    await ctx.gate.check('user_1');
  });

  it('a valid delivery makes the gate forget the subject, answering 200 fast', async () => {
    expect(ctx.gate.peek('user_1')).toBeDefined();
    const response = await standard(ctx.gate).handle(delivery(event()));
    expect(response).toEqual({ status: 200, body: { received: true } });
    expect(ctx.gate.peek('user_1')).toBeUndefined();
  });

  it('accepts any of several signatures and any of several secrets (rotation)', async () => {
    const signed = delivery(event(), { secret: OLD_SECRET });
    signed.headers['webhook-signature'] = `v1,${Buffer.alloc(32).toString('base64')} v2,abc ${signed.headers['webhook-signature']}`;
    const receiver = standard(ctx.gate, { secret: undefined, secrets: [SECRET, OLD_SECRET] } as never);
    expect((await receiver.handle(signed)).status).toBe(200);
    expect(ctx.gate.peek('user_1')).toBeUndefined();
  });

  it.each([
    ['a wrong secret', () => delivery(event(), { secret: OLD_SECRET })],
    ['a body changed after signing', () => ({ ...delivery(event()), rawBody: JSON.stringify(event('user_2')) })],
    ['an id changed after signing', () => { const d = delivery(event()); d.headers['webhook-id'] = 'msg_2'; return d; }],
    ['no signature header', () => { const d = delivery(event()); delete d.headers['webhook-signature']; return d; }],
    ['a truncated signature', () => { const d = delivery(event()); d.headers['webhook-signature'] = d.headers['webhook-signature']!.slice(0, 20); return d; }],
    ['a timestamp 5 min + 1 s old', () => delivery(event(), { at: NOW - 301_000 })],
    ['a timestamp 5 min + 1 s ahead', () => delivery(event(), { at: NOW + 301_000 })],
  ])('refuses %s with a bare 401 and forgets nothing', async (_name, make) => {
    const response = await standard(ctx.gate).handle(make());
    expect(response).toEqual({ status: 401, body: { error: 'unauthorized' } });
    expect(ctx.gate.peek('user_1')).toBeDefined();
  });

  it('accepts timestamps at the edge of the window, in both directions', async () => {
    const receiver = standard(ctx.gate);
    expect((await receiver.handle(delivery(event(), { id: 'a', at: NOW - 300_000 }))).status).toBe(200);
    expect((await receiver.handle(delivery(event(), { id: 'b', at: NOW + 300_000 }))).status).toBe(200);
  });

  it('drops a replayed id: acknowledged, but the gate is not touched again', async () => {
    const receiver = standard(ctx.spied);
    await receiver.handle(delivery(event(), { id: 'msg_replay' }));
    await ctx.gate.check('user_1');
    expect(await receiver.handle(delivery(event(), { id: 'msg_replay' }))).toEqual({ status: 200, body: { received: true } });
    expect(ctx.invalidated).toEqual(['user_1']);
    expect(ctx.gate.peek('user_1')).toBeDefined();
  });

  it('answers 400 to invalid JSON under a valid signature, and 413 to a body over the cap', async () => {
    expect(await standard(ctx.spied).handle(delivery('{not json'))).toEqual({ status: 400, body: { error: 'invalid_payload' } });
    const big = delivery({ ...event(), pad: 'x'.repeat(2000) });
    expect(await standard(ctx.spied, { maxBodyBytes: 1024 }).handle(big)).toEqual({ status: 413, body: { error: 'payload_too_large' } });
    expect(ctx.invalidated).toEqual([]);
  });

  it('acknowledges and ignores unknown event types and events without a usable subject', async () => {
    const receiver = standard(ctx.spied);
    expect((await receiver.handle(delivery(event('user_1', 'customer.created'), { id: 'x1' }))).status).toBe(200);
    expect((await receiver.handle(delivery({ type: 'entitlement.updated', data: {} }, { id: 'x2' }))).status).toBe(200);
    expect((await receiver.handle(delivery({ type: 'entitlement.updated', subject_ref: ' ' }, { id: 'x3' }))).status).toBe(200);
    expect(ctx.invalidated).toEqual([]);
  });

  it('finds the subject at the top level, then in data, then in data.object', async () => {
    const receiver = standard(ctx.spied);
    await receiver.handle(delivery({ type: 'purchase.finalized', subject_ref: 'top', data: { subject_ref: 'data' } }, { id: 'y1' }));
    await receiver.handle(delivery({ type: 'purchase.finalized', data: { subject_ref: 'data', object: { subject_ref: 'obj' } } }, { id: 'y2' }));
    await receiver.handle(delivery({ type: 'purchase.finalized', data: { object: { subject_ref: 'obj' } } }, { id: 'y3' }));
    expect(ctx.invalidated).toEqual(['top', 'data', 'obj']);
  });

  it('invalidates for every default event type, and only the configured ones when `events` is given', async () => {
    const types = ['entitlement.updated', 'purchase.finalized', 'subscription.updated', 'subscription.deleted',
      'invoice.payment_succeeded', 'invoice.payment_failed', 'usage.consumed'];
    const receiver = standard(ctx.spied);
    for (const [i, type] of types.entries()) await receiver.handle(delivery(event(`u${i}`, type), { id: `t${i}` }));
    expect(ctx.invalidated).toHaveLength(types.length);
    ctx.invalidated.length = 0;
    const custom = standard(ctx.spied, { events: ['refund.created'] });
    await custom.handle(delivery(event('a', 'entitlement.updated'), { id: 'c1' }));
    await custom.handle(delivery(event('b', 'refund.created'), { id: 'c2' }));
    expect(ctx.invalidated).toEqual(['b']);
  });

  it('regression: a webhook can only make the gate forget — a payload claiming access never grants', async () => {
    const denied = setup(false);
    await expect(denied.gate.check('user_9')).resolves.toMatchObject({ allowed: false });
    const claim = { type: 'entitlement.updated', subject_ref: 'user_9', allowed: true, has_access: true,
      data: { status: 'active', allowed: true, entitlements: [{ status: 'active', available: true }] } };
    expect((await standard(denied.gate).handle(delivery(claim))).status).toBe(200);
    expect(denied.gate.peek('user_9')).toBeUndefined();
    // The next decision comes from Licenzy again, which still says no.
    await expect(denied.gate.check('user_9')).resolves.toMatchObject({ allowed: false, source: 'licenzy' });
    expect(denied.upstream).toEqual(['user_9', 'user_9']);
  });

  it('answers 503 when invalidation fails, and lets the retry of that id act', async () => {
    let fail = true;
    const gate = { invalidate: vi.fn(async () => { if (fail) throw new Error('redis down'); }) };
    const receiver = createWebhookReceiver({ gate, scheme: 'standard-webhooks', secret: SECRET, now: () => NOW });
    expect((await receiver.handle(delivery(event(), { id: 'r1' }))).status).toBe(503);
    fail = false;
    expect((await receiver.handle(delivery(event(), { id: 'r1' }))).status).toBe(200);
    expect(gate.invalidate).toHaveBeenCalledTimes(2);
  });

  it('compares signatures in constant time on the raw bytes', async () => {
    const timingSafeEqual = timingSafeEqualSpy;
    timingSafeEqual.mockClear();
    await standard(ctx.gate).handle(delivery(event(), { secret: OLD_SECRET }));
    expect(timingSafeEqual).toHaveBeenCalled();
    for (const [a, b] of timingSafeEqual.mock.calls) expect((a as Buffer).length).toBe((b as Buffer).length);
    expect(safeEqual(Buffer.from('ab'), Buffer.from('abc'))).toBe(false);
  });
});

describe('createWebhookReceiver (hmac-sha256)', () => {
  const secret = 'shared-secret-value';
  const sign = (body: string) => createHmac('sha256', secret).update(body).digest('hex');
  const receiverFor = (gate: AccessGate) =>
    createWebhookReceiver({ gate, scheme: 'hmac-sha256', header: 'X-Licenzy-Signature', secret, now: () => NOW });

  it('accepts a hex signature with or without `sha256=`, in either case, once per signature', async () => {
    const { spied, invalidated } = setup();
    const receiver = receiverFor(spied);
    const body1 = JSON.stringify(event('h1'));
    const body2 = JSON.stringify(event('h2'));
    const body3 = JSON.stringify(event('h3'));
    expect((await receiver.handle({ headers: { 'x-licenzy-signature': sign(body1) }, rawBody: body1 })).status).toBe(200);
    expect((await receiver.handle({ headers: { 'x-licenzy-signature': `sha256=${sign(body2)}` }, rawBody: body2 })).status).toBe(200);
    expect((await receiver.handle({ headers: new Headers({ 'x-licenzy-signature': sign(body3).toUpperCase() }), rawBody: Buffer.from(body3) })).status).toBe(200);
    expect((await receiver.handle({ headers: { 'x-licenzy-signature': sign(body1) }, rawBody: body1 })).status).toBe(200);
    // The same signed body again is a replay: acknowledged, not acted on.
    expect(invalidated).toEqual(['h1', 'h2', 'h3']);
  });

  it('refuses a wrong, truncated, repeated or missing signature with 401', async () => {
    const { gate } = setup();
    const receiver = receiverFor(gate);
    const body = JSON.stringify(event());
    for (const headers of [
      { 'x-licenzy-signature': sign(body + ' ') },
      { 'x-licenzy-signature': sign(body).slice(0, 63) },
      { 'x-licenzy-signature': [sign(body), sign(body)] },
      {},
    ]) {
      expect((await receiver.handle({ headers, rawBody: body })).status).toBe(401);
    }
  });
});

describe('createWebhookReceiver (custom verify)', () => {
  it('uses the verdict of `verify`; false or a throw is 401', async () => {
    const { gate } = setup();
    await gate.check('user_1');
    const body = JSON.stringify(event());
    const verdicts = [false, 'yes', new Error('boom'), true] as unknown[];
    const receiver = createWebhookReceiver({
      gate,
      scheme: 'custom',
      verify: async () => {
        const verdict = verdicts.shift();
        if (verdict instanceof Error) throw verdict;
        return verdict as boolean;
      },
    });
    expect((await receiver.handle({ headers: {}, rawBody: body })).status).toBe(401);
    expect((await receiver.handle({ headers: {}, rawBody: body })).status).toBe(401);
    expect((await receiver.handle({ headers: {}, rawBody: body })).status).toBe(401);
    expect(gate.peek('user_1')).toBeDefined();
    expect((await receiver.handle({ headers: {}, rawBody: body })).status).toBe(200);
    expect(gate.peek('user_1')).toBeUndefined();
  });
});

describe('createWebhookReceiver options', () => {
  const gate = setup().gate;
  it.each([
    [{ gate, secret: SECRET }, 'scheme'],
    [{ gate, scheme: 'auto', secret: SECRET }, 'scheme'],
    [{ scheme: 'standard-webhooks', secret: SECRET }, 'gate'],
    [{ gate, scheme: 'standard-webhooks' }, 'secret'],
    [{ gate, scheme: 'standard-webhooks', secret: 'plain' }, 'secret'],
    [{ gate, scheme: 'standard-webhooks', secret: 'whsec_c2hvcnQ=' }, 'secret'],
    [{ gate, scheme: 'standard-webhooks', secret: SECRET, secrets: [SECRET] }, 'secret'],
    [{ gate, scheme: 'standard-webhooks', secrets: [] }, 'secrets'],
    [{ gate, scheme: 'hmac-sha256', secret: 's' }, 'header'],
    [{ gate, scheme: 'custom' }, 'verify'],
    [{ gate, scheme: 'standard-webhooks', secret: SECRET, maxBodyBytes: 0 }, 'maxBodyBytes'],
    [{ gate, scheme: 'standard-webhooks', secret: SECRET, tolerance: -1 }, 'tolerance'],
    [{ gate, scheme: 'standard-webhooks', secret: SECRET, events: 'entitlement.updated' }, 'events'],
    [{ gate, scheme: 'standard-webhooks', secret: SECRET, subjectOf: 'subject_ref' }, 'subjectOf'],
  ])('rejects %o naming `%s`, without echoing a secret', (options, option) => {
    let thrown: unknown;
    try {
      createWebhookReceiver(options as never);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: 'ERR_LICENZY_CONFIG', option });
    expect((thrown as Error).message).not.toContain(SECRET.slice(6));
  });
});

describe('regression: webhook receiver options go through core\'s options path (issue 18)', () => {
  const gate = setup().gate;
  const configError = (options: unknown) => {
    try {
      createWebhookReceiver(options as never);
    } catch (error) {
      return error;
    }
    return undefined;
  };

  it('rejects the typo `maxBodyByte` at construction, naming it and `maxBodyBytes` (it was accepted and never applied)', () => {
    const error = configError({ gate, scheme: 'standard-webhooks', secret: SECRET, maxBodyByte: 1024 });
    expect(error).toBeInstanceOf(LicenzyConfigError);
    expect(error).toMatchObject({ option: 'maxBodyByte' });
    expect((error as Error).message).toContain('did you mean `maxBodyBytes`?');
  });

  it('rejects `logger: null` at construction as a LicenzyConfigError naming `logger` (it was a bare TypeError)', () => {
    const error = configError({ gate, scheme: 'standard-webhooks', secret: SECRET, logger: null });
    expect(error).toBeInstanceOf(LicenzyConfigError);
    expect(error).toMatchObject({ option: 'logger' });
  });

  it.each(['subjectOf', 'typeOf', 'events', 'maxBodyBytes', 'tolerance', 'maxRememberedIds', 'now', 'secret', 'gate', 'scheme'])(
    '`%s: null` is an error naming it, never the default',
    (option) => {
      expect(configError({ gate, scheme: 'standard-webhooks', secret: SECRET, [option]: null })).toMatchObject({ code: 'ERR_LICENZY_CONFIG', option });
    },
  );

  it('names a key of another scheme instead of ignoring it', () => {
    expect(configError({ gate, scheme: 'standard-webhooks', secret: SECRET, header: 'x-sig' })).toMatchObject({ option: 'header' });
    expect(configError({ gate, scheme: 'custom', verify: () => true, secret: SECRET })).toMatchObject({ option: 'secret' });
  });

  it('suggests `scheme` for a misspelt scheme key, whatever else is passed', () => {
    expect((configError({ gate, schem: 'custom', verify: () => true }) as Error).message).toContain('did you mean `scheme`?');
  });
});

describe('readRawBody', () => {
  function source(chunks: number, size: number, headers: Record<string, string> = {}) {
    let pulled = 0;
    const stream = Readable.from((function* () {
      for (let i = 0; i < chunks; i++) {
        pulled++;
        yield Buffer.alloc(size, 97);
      }
    })(), { objectMode: false, highWaterMark: size });
    return { req: Object.assign(stream, { headers }), pulled: () => pulled };
  }

  it('reads a body under the cap', async () => {
    const { req } = source(4, 10);
    expect((await readRawBody(req, 100))?.toString()).toBe('a'.repeat(40));
  });

  it('stops at the first chunk over the cap, without reading the rest', async () => {
    const { req, pulled } = source(10_000, 1024);
    expect(await readRawBody(req, 4096)).toBeUndefined();
    expect(pulled()).toBeLessThan(50);
  });

  it('refuses at once when content-length is over the cap, reading nothing', async () => {
    const { req, pulled } = source(10, 1024, { 'content-length': '10240' });
    expect(await readRawBody(req, 4096)).toBeUndefined();
    expect(pulled()).toBe(0);
  });

  it('rejects when the body was already read by a parser', async () => {
    const { req } = source(1, 10);
    for await (const chunk of req) void chunk;
    await expect(readRawBody(req, 100)).rejects.toThrow(/already read/);
  });
});

describe('regression: a webhook whose invalidation could not reach every instance is not acknowledged', () => {
  it('answers 503 when gate.invalidateEverywhere rejects, and 200 when it resolves', async () => {
    const { signStandardWebhook: sign, createWebhookReceiver: receiverOf } = await import('../src/index.js');
    const secret = `whsec_${Buffer.alloc(32, 3).toString('base64')}`;
    let failing = true;
    const forgotten: string[] = [];
    const gate = {
      invalidate: () => true,
      invalidateEverywhere: async (subject: string) => {
        forgotten.push(subject);
        if (failing) throw new Error('redis down');
        return true;
      },
    };
    const receiver = receiverOf({ gate, scheme: 'standard-webhooks', secret, now: () => 1_800_000_000_000 });
    const delivery = (id: string) => {
      const rawBody = JSON.stringify({ type: 'entitlement.updated', subject_ref: 'user_1' });
      return { rawBody, headers: sign({ secret, id, timestamp: 1_800_000_000, body: rawBody }) };
    };
    expect((await receiver.handle(delivery('msg_1'))).status).toBe(503);
    failing = false;
    // The same delivery, retried by Licenzy, is not mistaken for a replay: it acts and is acknowledged.
    expect((await receiver.handle(delivery('msg_1'))).status).toBe(200);
    expect(forgotten).toEqual(['user_1', 'user_1']);
  });
});

describe('regression: a signed payload repeating a member name is refused and logged (issue 23, item 11)', () => {
  const logged = () => {
    const lines: Array<{ level: string; message: string; details: unknown }> = [];
    const push = (level: string) => (message: string, details?: Record<string, unknown>) => void lines.push({ level, message, details });
    return { lines, logger: { warn: push('warn'), error: push('error') } };
  };

  it.each([
    ['the subject, top level', '{"type":"entitlement.updated","subject_ref":"alice","subject_ref":"bob"}'],
    ['the subject, in data', '{"type":"entitlement.updated","data":{"subject_ref":"alice","subject_ref":"bob"}}'],
    ['the subject, in data.object, one name escaped', '{"type":"subscription.deleted","data":{"object":{"subject_ref":"alice","subject\\u005fref":"bob"}}}'],
    ['the type', '{"type":"customer.created","type":"entitlement.updated","subject_ref":"bob"}'],
    ['a member apart from type and subject', '{"type":"entitlement.updated","subject_ref":"bob","data":{"status":"a","status":"b"}}'],
  ])('%s: 400, nothing forgotten, one line without the body; a corrected retry of that id acts', async (_name, rawBody) => {
    const { gate, spied, invalidated } = setup();
    await gate.check('bob');
    const { lines, logger } = logged();
    const receiver = standard(spied, { logger });
    expect(await receiver.handle(delivery(rawBody, { id: 'msg_dup' }))).toEqual({ status: 400, body: { error: 'invalid_payload' } });
    expect(invalidated).toEqual([]);
    expect(gate.peek('bob')).toBeDefined();
    expect(lines).toEqual([{ level: 'error', message: expect.stringContaining('repeats a member name'), details: undefined }]);
    expect(JSON.stringify(lines)).not.toMatch(/alice|bob|subject_ref|status/);
    // Not remembered as seen: the sender's corrected retry of the same id still invalidates.
    expect((await receiver.handle(delivery({ type: 'entitlement.updated', subject_ref: 'bob' }, { id: 'msg_dup' }))).status).toBe(200);
    expect(invalidated).toEqual(['bob']);
  });

  it('the same names in different objects are not duplicates', async () => {
    const { spied, invalidated } = setup();
    const rawBody = '{"type":"entitlement.updated","subject_ref":"bob","data":{"type":"x","subject_ref":"bob"}}';
    expect((await standard(spied).handle(delivery(rawBody))).status).toBe(200);
    expect(invalidated).toEqual(['bob']);
  });

  it('logs at most one line per minute, then says how many were held back', async () => {
    let clock = NOW;
    const { lines, logger } = logged();
    const receiver = standard(setup().spied, { logger, now: () => clock, tolerance: 10 * 60_000 });
    const dup = '{"type":"entitlement.updated","subject_ref":"a","subject_ref":"b"}';
    for (let i = 0; i < 300; i++) await receiver.handle(delivery(dup, { id: `d${i}` }));
    expect(lines).toHaveLength(1);
    clock += 60_000;
    await receiver.handle(delivery(dup, { id: 'late' }));
    expect(lines.map((line) => line.details)).toEqual([undefined, { suppressed: 299 }]);
  });
});

describe('regression: bodyAlreadyRead logs a misplaced body parser once per minute (issue 23, item 12)', () => {
  it('300 deliveries after a body parser: 300 × 500, one line; the next window\'s line counts the held-back ones', () => {
    let clock = NOW;
    const receiver = standard(setup().gate, { now: () => clock });
    const lines: Array<[string, unknown]> = [];
    const logger = { warn: () => undefined, error: (message: string, details?: unknown) => void lines.push([message, details]) };
    for (let i = 0; i < 300; i++) expect(receiver.bodyAlreadyRead(logger, 'mount it first')).toEqual({ status: 500, body: { error: 'misconfigured' } });
    expect(lines).toEqual([['mount it first', undefined]]);
    clock += 60_000;
    receiver.bodyAlreadyRead(logger, 'mount it first');
    expect(lines).toEqual([['mount it first', undefined], ['mount it first', { suppressed: 299 }]]);
  });

  it('a logger that throws does not turn the 500 into an exception', () => {
    const receiver = standard(setup().gate);
    const throwing = { warn: () => undefined, error: () => { throw new Error('log sink down'); } };
    expect(receiver.bodyAlreadyRead(throwing, 'x').status).toBe(500);
  });
});
