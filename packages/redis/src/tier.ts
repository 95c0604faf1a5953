// createRedisTier: the shared decision tier on Redis (authenticated entries, atomic invalidation, sealed pub/sub).
import type { SharedTier } from '@licenzy-gate/core';
import { createCommandBreaker } from './breaker.js';
import { openConnections, type CommandConnection } from './connection.js';
import { RedisTierError } from './errors.js';
import { createLinkMonitor, type LinkMonitor } from './link-monitor.js';
import { bindScope } from './scope-binding.js';
import { shareSubscriber } from './subscriptions.js';
import { reportShared } from './shared-diagnostics.js';
import { createTierLog } from './tier-log.js';
import { parseTierOptions, type RedisTierOptions } from './tier-options.js';

/**
 * Creates a shared decision tier on Redis, for `createAccessGate({ shared: tier })` in every app instance.
 * Redis holds data, not authority: entries and messages are authenticated with keys derived from the API key,
 * keys hold only hashes, and any Redis trouble rejects (the gate then asks Licenzy).
 *
 * Options are validated here: an unknown key is a `LicenzyConfigError` naming it and the closest known one
 * (`prefx` → `prefix`), and `null` is never "use the default".
 *
 * @throws {LicenzyConfigError} naming the invalid option.
 * @example
 * import { createRedisTier } from '@licenzy-gate/redis';
 * const shared = createRedisTier({ url: process.env.REDIS_URL });
 * const gate = createAccessGate({ shared });
 * process.on('SIGTERM', () => shared.close());
 *
 * @example
 * // Reuse the app's ioredis client (the tier never closes it)
 * const shared = createRedisTier({ client: new Redis(process.env.REDIS_URL), prefix: 'myapp:licenzy' });
 */
export function createRedisTier(options: RedisTierOptions): SharedTier {
  const config = parseTierOptions(options);
  const log = createTierLog(config.logger, config.source);
  const breaker = createCommandBreaker({
    timeout: config.timeout,
    threshold: config.threshold,
    cooldown: config.cooldown,
    now: Date.now,
    onFailure(error, firstOfOutage) {
      reportShared({ type: 'error', error: new Error(error.message) });
      if (firstOfOutage) log.unavailable(error as RedisTierError);
    },
    onRecovered(outage) {
      reportShared({ type: 'recovered' });
      log.available(outage);
    },
  });

  // An invalidation or a clear waits up to `timeout` more for its replicas (WAIT), and is bounded by twice `timeout`.
  const layout = { prefix: config.prefix, cluster: config.cluster, replicas: config.replicas, waitMs: config.timeout };
  const resetListeners = new Set<(up: boolean) => void>();
  const reset = (up: boolean) => {
    for (const listener of resetListeners) listener(up);
  };
  let closed = false;
  // Created once the connections exist; a link change before that finds no channel subscribed yet.
  let monitor: LinkMonitor | undefined;
  const { commands, subscriber, topology } = openConnections(config.source, config.timeout, {
    onLink(up) {
      // A cluster or Sentinel link is trusted again only once a probe came back through it; until then the monitor
      // keeps forgetting. A single server's subscriber is subscribed again when it reports `ready`.
      if (monitor !== undefined) monitor.suspect();
      else reset(up);
    },
    onError() {
      // Connection errors also show up as failed commands (reported there) or as link changes.
    },
  });
  // Every binding (every gate on this tier) hears every message of its channel, whatever the client.
  const subscriptions = shareSubscriber(subscriber, (channel, message) => monitor?.heard(channel, message));
  if (topology === true) {
    monitor = createLinkMonitor({
      reset: () => reset(false),
      channels: () => subscriptions.channels(),
      // Around the breaker: a probe failing during an outage is expected, and is no command of the gate's to count.
      publish: (channel, message) => (closed ? Promise.resolve() : commands.send(['PUBLISH', channel, message])),
    });
  }

  function send<T>(command: (connection: CommandConnection) => Promise<T>, budget?: number): Promise<T> {
    if (closed) return Promise.reject(new RedisTierError('ERR_LICENZY_SHARED_CLOSED', 'Redis tier is closed'));
    return breaker.send(() => command(commands), budget);
  }

  return {
    bind(scope) {
      return bindScope(scope, layout, send, subscriptions, resetListeners);
    },
    async close() {
      if (closed) return;
      closed = true;
      monitor?.close();
      resetListeners.clear();
      await Promise.all([commands.close(), subscriber.close()]);
    },
  };
}
