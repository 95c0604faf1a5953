// The webhook hygiene cases of issue 23 (items 10-12), run by every adapter's test against its own real server.
import { expect, it } from 'vitest';
import { captureLogger } from '@licenzy-gate/testing';
import type { AccessGate } from '../src/index.js';
import { HYGIENE_PAYLOAD, cachedGate, duplicateMemberDelivery, genuineDelivery, postRaw, repeatedHeaderDeliveries } from './webhook-fixtures.js';

/** An adapter under test: how it serves `webhookHandler`, and what it says about a body parser mounted first. */
export interface WebhookHygieneTarget {
  /**
   * Serves `webhookHandler({ gate, scheme: 'standard-webhooks', secret, now: () => WEBHOOK_NOW, logger })` on a
   * real port and returns its URL; `parserFirst` mounts the framework's usual body parser before it.
   */
  serve(gate: AccessGate, options: { parserFirst?: boolean; logger?: ReturnType<typeof captureLogger> }): Promise<string>;
  /** Text the misplaced-parser line contains; omit it where a parser cannot run first (item 12 does not apply). */
  parserAdvice?: string;
}

/** Registers the cases (call inside a `describe`); `secret` is the one `serve` configures. */
export function webhookHygieneCases(secret: string, target: WebhookHygieneTarget): void {
  it('regression (item 10): a header the receiver reads, sent on two lines, is 401 and forgets nothing', async () => {
    const gate = await cachedGate();
    const url = await target.serve(gate, {});
    for (const { name, headers } of repeatedHeaderDeliveries(secret)) {
      expect({ name, status: (await postRaw(url, headers, HYGIENE_PAYLOAD)).status }).toEqual({ name, status: 401 });
    }
    expect(gate.peek('user_1')).toBeDefined();
  });

  it('a genuine delivery, each header once (one or several signatures on its line), still invalidates', async () => {
    const gate = await cachedGate();
    const url = await target.serve(gate, {});
    expect((await postRaw(url, genuineDelivery(secret, 'msg_one'), HYGIENE_PAYLOAD)).status).toBe(200);
    expect(gate.peek('user_1')).toBeUndefined();
    await gate.check('user_1');
    const several = genuineDelivery(secret, 'msg_several', [`v1,${Buffer.alloc(32, 2).toString('base64')}`, 'v2,abc']);
    expect((await fetch(url, { method: 'POST', headers: several, body: HYGIENE_PAYLOAD })).status).toBe(200);
    expect(gate.peek('user_1')).toBeUndefined();
  });

  it('regression (item 11): a signed payload repeating subject_ref is 400 and forgets nobody', async () => {
    const gate = await cachedGate();
    await gate.check('user_2');
    const { headers, body } = duplicateMemberDelivery(secret);
    expect((await postRaw(await target.serve(gate, {}), headers, body)).status).toBe(400);
    expect(gate.peek('user_1')).toBeDefined();
    expect(gate.peek('user_2')).toBeDefined();
  });

  const advice = target.parserAdvice;
  if (advice === undefined) return;
  it('regression (item 12): 300 posts after a body parser are 300 × 500 but one log line', async () => {
    const gate = await cachedGate();
    const logger = captureLogger();
    const url = await target.serve(gate, { parserFirst: true, logger });
    const statuses = new Set<number>();
    for (let i = 0; i < 300; i++) {
      const response = await fetch(url, { method: 'POST', headers: genuineDelivery(secret, `msg_${i}`), body: HYGIENE_PAYLOAD });
      statuses.add(response.status);
      await response.arrayBuffer();
    }
    expect([...statuses]).toEqual([500]);
    expect(logger.text()).toEqual([expect.stringContaining(advice)]);
    expect(gate.peek('user_1')).toBeDefined();
  });
}
