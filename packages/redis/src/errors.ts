// The typed errors of the Redis tier: every rejection the gate sees is one of these (and the gate treats it as a miss).

/** Codes of {@link RedisTierError}; `switch (err.code)` over this union is exhaustive. */
export type RedisTierErrorCode =
  /** A command got no answer within `timeout`. */
  | 'ERR_LICENZY_SHARED_TIMEOUT'
  /** The tier's circuit is open after repeated failures: no command was sent. */
  | 'ERR_LICENZY_SHARED_CIRCUIT_OPEN'
  /** The connection is not ready (connecting, reconnecting or closed): no command was sent, nothing was queued. */
  | 'ERR_LICENZY_SHARED_OFFLINE'
  /** Redis answered with an error, or the client failed. */
  | 'ERR_LICENZY_SHARED_COMMAND'
  /** The tier was closed. */
  | 'ERR_LICENZY_SHARED_CLOSED';

/**
 * Why a tier operation rejected. The message never contains a subject, a key or the API key, so it is safe to log.
 *
 * @example
 * binding.read('user_1').catch((err) => {
 *   if (err instanceof RedisTierError && err.code === 'ERR_LICENZY_SHARED_CIRCUIT_OPEN') { // Redis is known to be down }
 * })
 */
export class RedisTierError extends Error {
  readonly code: RedisTierErrorCode;
  constructor(code: RedisTierErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RedisTierError';
    this.code = code;
  }
}
