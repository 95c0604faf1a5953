// Licenzy webhooks: verify a signed delivery and make the gate forget the subject. A webhook never grants.
import { duplicateMemberName } from './json.js';
import { createLogThrottle, type GateLogger } from './logger.js';
import type { WebhookRequest, WebhookResponse } from './webhook-delivery.js';
import { parseWebhookOptions, type WebhookReceiverOptions } from './webhook-options.js';
import { validateSubjectRef } from './subject.js';
import type { WebhookRefusalReason } from './webhook-signatures.js';

// The receiver's public names, wherever they live, so `./webhook.js` stays the one place to import them from.
export type { WebhookHeaders, WebhookRequest, WebhookResponse } from './webhook-delivery.js';
export { DEFAULT_WEBHOOK_EVENTS, defaultSubjectOf } from './webhook-options.js';
export type { CustomVerifyOptions, HmacSha256Options, InvalidatingGate, StandardWebhooksOptions, WebhookReceiverOptions } from './webhook-options.js';
export { safeEqual, signStandardWebhook } from './webhook-signatures.js';
export type { WebhookRefusalReason } from './webhook-signatures.js';
export { readRawBody } from './webhook-raw-body.js';
export type { RawBodySource } from './webhook-raw-body.js';

/** Verifies deliveries and invalidates; one per endpoint. */
export interface WebhookReceiver {
  /** The body cap in bytes, so an adapter can stop reading a larger body early (then answer {@link WebhookReceiver.tooLarge}). */
  readonly maxBodyBytes: number;
  handle(request: WebhookRequest): Promise<WebhookResponse>;
  /** The answer to a body over `maxBodyBytes`. */
  tooLarge(): WebhookResponse;
  /**
   * The answer (500 `misconfigured`) when a body parser consumed the body before the adapter could read its bytes.
   * `advice` goes to `logger` at most once per minute on the receiver's clock (`now`), saying how many lines were held
   * back, like every other misconfiguration line: a misplaced parser must not write one line per delivery.
   */
  bodyAlreadyRead(logger: GateLogger, advice: string): WebhookResponse;
}

const OK: WebhookResponse = { status: 200, body: { received: true } };
const UNAUTHORIZED: WebhookResponse = { status: 401, body: { error: 'unauthorized' } };
const INVALID: WebhookResponse = { status: 400, body: { error: 'invalid_payload' } };
const TOO_LARGE: WebhookResponse = { status: 413, body: { error: 'payload_too_large' } };
const UNAVAILABLE: WebhookResponse = { status: 503, body: { error: 'unavailable' } };
const MISCONFIGURED: WebhookResponse = { status: 500, body: { error: 'misconfigured' } };

/**
 * Creates a webhook receiver: verifies each delivery's signature (constant time, on the raw bytes), its timestamp
 * (both directions) and its id (replays are acknowledged and ignored), then makes the gate forget the subject for
 * the configured events. It can only make the gate forget: nothing in a payload ever grants.
 *
 * Every option is validated here, not on the first delivery: an unknown key (`maxBodyByte`) is an error naming it and
 * the closest known one, and `null` is never "use the default" (`logger: null` is an error naming `logger`).
 *
 * @throws {LicenzyConfigError} naming the invalid option.
 * @example
 * const receiver = createWebhookReceiver({ gate, scheme: 'standard-webhooks', secret: process.env.LICENZY_WEBHOOK_SECRET });
 * const { status, body } = await receiver.handle({ headers: req.headers, rawBody });
 */
export function createWebhookReceiver(options: WebhookReceiverOptions): WebhookReceiver {
  const { gate, maxBodyBytes, tolerance, maxRememberedIds, now, subjectOf, typeOf, events, logger, verify } = parseWebhookOptions(options);
  const seen = createReplayGuard(maxRememberedIds);
  const oncePerWindow = createLogThrottle(now);

  /**
   * A delivery not taken, said once a minute per reason with how many were held back: a wrong secret or a skewed clock
   * otherwise shows only as the sender's retries. The category and its fix only: no header value, body or secret.
   */
  function reportRefusal(reason: WebhookRefusalReason): void {
    oncePerWindow(`refused:${reason}`, (suppressed) => {
      const details = { reason, ...(suppressed > 0 ? { suppressed } : {}) };
      if (reason === 'replayed') logger.warn('Licenzy webhook replayed: acknowledged with 200 and ignored (this delivery id was already processed)', details);
      else logger.warn(`Licenzy webhook refused with 401: ${reason}. ${REFUSAL_HINTS[reason](tolerance)}`, details);
    });
  }

  /** Acts on an authentic delivery: forgets the subject for a configured event. */
  async function act(payload: unknown, replayKey: string | undefined): Promise<WebhookResponse> {
    let type: unknown;
    try {
      type = typeOf(payload);
    } catch (error) {
      // The app's own `typeOf` failed on this delivery: no telling whether it should have invalidated. Not
      // remembered, and 503, so Licenzy retries it (a retry would otherwise be dropped as a replay).
      if (replayKey !== undefined) seen.forget(replayKey);
      logger.error('Licenzy webhook typeOf() threw; the sender should retry', { error: error instanceof Error ? error.message : 'unknown error' });
      return UNAVAILABLE;
    }
    if (typeof type !== 'string' || !events.has(type)) return OK;
    let subjectRef: string;
    try {
      subjectRef = validateSubjectRef(subjectOf(payload));
    } catch {
      logger.warn('Licenzy webhook without a usable subject_ref ignored', { type });
      return OK;
    }
    try {
      // The only thing a webhook does to the gate: forget. Whatever the payload says (allowed, status…) is never read.
      // With a shared tier, wait until every instance can know; a failure answers 503 so Licenzy retries.
      if (typeof gate.invalidateEverywhere === 'function') await gate.invalidateEverywhere(subjectRef, { reason: 'webhook' });
      else await gate.invalidate(subjectRef, { reason: 'webhook' });
    } catch (error) {
      if (replayKey !== undefined) seen.forget(replayKey);
      logger.error('Licenzy webhook could not invalidate; the sender should retry', {
        type,
        error: error instanceof Error ? error.message : 'unknown error',
      });
      return UNAVAILABLE;
    }
    return OK;
  }

  return {
    maxBodyBytes,
    tooLarge: () => TOO_LARGE,
    bodyAlreadyRead(to, advice) {
      oncePerWindow('body-already-read', (suppressed) => to.error(advice, suppressed > 0 ? { suppressed } : undefined));
      return MISCONFIGURED;
    },
    async handle(request) {
      const rawBody = request?.rawBody;
      if (typeof rawBody !== 'string' && !(rawBody instanceof Uint8Array)) return INVALID;
      const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : Buffer.from(rawBody.buffer, rawBody.byteOffset, rawBody.byteLength);
      if (body.length > maxBodyBytes) return TOO_LARGE;
      const at = now();
      let id: Awaited<ReturnType<typeof verify>>;
      try {
        id = await verify(request, body, at);
      } catch {
        id = { refused: 'verify threw' };
      }
      if (typeof id !== 'string') {
        reportRefusal(id.refused);
        return UNAUTHORIZED;
      }
      const text = body.toString('utf8');
      let payload: unknown;
      try {
        payload = JSON.parse(text);
      } catch {
        return INVALID;
      }
      // JSON.parse keeps the last of duplicated names, so `"subject_ref":"alice","subject_ref":"bob"` would forget bob
      // while the sender may have meant alice: refused like a Licenzy answer with duplicates, and not remembered, so a
      // corrected retry of that id still acts. The line carries nothing of the body (not even the name) nor of a header.
      if (typeof payload === 'object' && payload !== null && duplicateMemberName(text) !== undefined) {
        oncePerWindow('duplicate-member', (suppressed) =>
          logger.error('Licenzy webhook payload repeats a member name; refused with 400', suppressed > 0 ? { suppressed } : undefined),
        );
        return INVALID;
      }
      // Remembered before acting, so concurrent duplicates act once; forgotten again if acting failed (a retry may act).
      const replayKey = id === '' ? undefined : id;
      // Twice the window: a delivery stamped up to `tolerance` ahead stays valid until `at + 2 × tolerance`.
      if (replayKey !== undefined && !seen.remember(replayKey, at + 2 * tolerance, at)) {
        reportRefusal('replayed');
        return OK;
      }
      return act(payload, replayKey);
    },
  };
}

/** The likely fix for each refusal reason, in its log line. */
const REFUSAL_HINTS: Record<Exclude<WebhookRefusalReason, 'replayed'>, (tolerance: number) => string> = {
  'missing headers': () => 'Is the sender signing with this scheme (and, for hmac-sha256, in the `header` configured)?',
  'repeated header': () => 'A signature header arrived on more than one line: is a proxy adding one?',
  'malformed headers': () => 'Is the sender signing with this scheme?',
  'stale timestamp': (tolerance) => `Is this server's clock right? Deliveries older than \`tolerance\` (${tolerance} ms) are refused.`,
  'future timestamp': (tolerance) => `Is this server's clock right? Deliveries stamped more than \`tolerance\` (${tolerance} ms) ahead are refused.`,
  'no v1 signature': () => 'Is the sender signing with Standard Webhooks `v1`?',
  'bad signature': () => 'Is `secret` the signing secret of this endpoint, and is the body passed on unchanged (mounted before any body parser)?',
  'refused by verify': () => 'Your `verify` function returned false.',
  'verify threw': () => 'Your `verify` function threw.',
};

/** Ids seen recently, each until its expiry; bounded, oldest dropped first. */
function createReplayGuard(max: number) {
  const ids = new Map<string, number>();
  return {
    /** Records `id`; false when it was already recorded and has not expired (a replay). */
    remember(id: string, expiresAt: number, now: number): boolean {
      const known = ids.get(id);
      if (known !== undefined && known >= now) return false;
      ids.delete(id);
      for (const [oldest, expiry] of ids) {
        if (ids.size < max && expiry >= now) break;
        ids.delete(oldest);
      }
      ids.set(id, expiresAt);
      return true;
    },
    forget(id: string): void {
      ids.delete(id);
    },
  };
}
