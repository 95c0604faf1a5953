// What the Redis tier says about itself: one line when Redis becomes unavailable and one when it is back, like the gate.
import type { GateLogger } from '@licenzy-gate/core';
import type { RedisTierError, RedisTierErrorCode } from './errors.js';

/** Where the tier's connections come from, as far as naming the server goes (`TierSource` of tier-options.ts). */
type ServerSource = { readonly url: string } | { readonly client: unknown };

/** Logs with a `[licenzy-gate/redis]` prefix to the console: the tier's default `logger`. */
export const redisConsoleLogger: GateLogger = {
  warn: (message, details) => console.warn(`[licenzy-gate/redis] ${message}`, details ?? ''),
  error: (message, details) => console.error(`[licenzy-gate/redis] ${message}`, details ?? ''),
};

/** The reason category of an unavailable tier, by the error code of its first failed command. */
const REASONS: Record<RedisTierErrorCode, string> = {
  ERR_LICENZY_SHARED_OFFLINE: 'connection lost',
  ERR_LICENZY_SHARED_TIMEOUT: 'timeout',
  ERR_LICENZY_SHARED_COMMAND: 'command failed',
  ERR_LICENZY_SHARED_CIRCUIT_OPEN: 'circuit open',
  ERR_LICENZY_SHARED_CLOSED: 'closed',
};

/**
 * The tier's two transition lines, each once per outage (never per request): the reason's category and Redis's
 * `host:port` when known (never a password, a key or a channel), then how long it was down and how many operations
 * failed meanwhile. A logger that throws never breaks a tier operation.
 *
 * @example
 * const log = createTierLog(redisConsoleLogger, { url: 'redis://127.0.0.1:6379' })
 * log.unavailable(error) // Redis tier unavailable (connection lost, 127.0.0.1:6379): decisions come from Licenzy until it returns
 */
export function createTierLog(logger: GateLogger, source: ServerSource) {
  const server = serverOf(source);
  const where = server === undefined ? {} : { server };
  return {
    unavailable(error: RedisTierError): void {
      const reason = REASONS[error.code] ?? 'command failed';
      quietly(() =>
        logger.warn(`Redis tier unavailable (${reason}${server === undefined ? '' : `, ${server}`}): decisions come from Licenzy until it returns`, {
          reason,
          ...where,
          error: error.message,
        }),
      );
    },
    available(outage: { downForMs: number; failed: number }): void {
      quietly(() =>
        logger.warn(`Redis tier available again after ${outage.downForMs} ms; ${outage.failed} operation${outage.failed === 1 ? '' : 's'} failed meanwhile`, {
          ...where,
          downForMs: outage.downForMs,
          failed: outage.failed,
        }),
      );
    },
  };
}

/** `host:port` of the Redis the tier talks to, when its source says (a URL, or an app client's options); never credentials. */
export function serverOf(source: ServerSource): string | undefined {
  try {
    if ('url' in source) {
      const url = new URL(source.url);
      return `${url.hostname}:${url.port === '' ? 6379 : url.port}`;
    }
    const options = (source.client as { options?: { host?: unknown; port?: unknown; url?: unknown; socket?: { host?: unknown; port?: unknown } } }).options;
    if (typeof options?.url === 'string') return serverOf({ url: options.url });
    const host = options?.socket?.host ?? options?.host;
    const port = options?.socket?.port ?? options?.port;
    if (typeof host === 'string' && (typeof port === 'number' || port === undefined)) return `${host}:${port ?? 6379}`;
  } catch {
    // Unknown: the line goes without it.
  }
  return undefined;
}

function quietly(line: () => void): void {
  try {
    line();
  } catch {
    // The tier's answer stands; the log line is lost.
  }
}
