// One subscriber connection shared by every binding of a tier: each channel is SUBSCRIBEd once, and every listener hears it.
import type { SubscriberConnection } from './connection.js';
import { PROBE_PREFIX } from './link-monitor.js';

/** A subscriber that many bindings share: one handler each, per channel; the last to leave ends the subscription. */
export interface SharedSubscriber {
  /** Adds `handler` to `channel`, subscribing on Redis when it is the first. Resolves once subscribed. */
  subscribe(channel: string, handler: (message: string) => void): Promise<void>;
  /** Removes `handler` only; Redis is unsubscribed when no handler of the channel is left. */
  unsubscribe(channel: string, handler: (message: string) => void): Promise<void>;
  /** The channels subscribed (or being subscribed) now. */
  channels(): string[];
}

interface Channel {
  readonly handlers: Set<(message: string) => void>;
  readonly subscribed: Promise<void>;
}

/**
 * Shares `connection` between bindings. Neither client keeps several handlers per channel for us (ioredis emits one
 * `message` event that the connection maps to one handler, and node-redis's UNSUBSCRIBE drops every listener), so
 * two gates on one tier must never each own the channel: the second would silence the first (issue 23, item 1).
 *
 * Link probes (`onProbe`) are told apart from sealed events by their prefix.
 *
 * @example
 * const shared = shareSubscriber(subscriber)
 * await shared.subscribe('licenzy:ns:events', onMessage)
 */
export function shareSubscriber(connection: SubscriberConnection, onProbe?: (channel: string, message: string) => void): SharedSubscriber {
  const channels = new Map<string, Channel>();

  return {
    subscribe(channel, handler) {
      let current = channels.get(channel);
      if (current === undefined) {
        const handlers = new Set<(message: string) => void>();
        const dispatch = (message: string) => {
          // A link probe (ours, or another instance's): never an event for the bindings.
          if (message.startsWith(PROBE_PREFIX)) return onProbe?.(channel, message);
          for (const each of [...handlers]) {
            try {
              each(message);
            } catch {
              // One binding's failure must not keep the others from hearing the message.
            }
          }
        };
        const subscribed = connection.subscribe(channel, dispatch);
        const made: Channel = { handlers, subscribed };
        // A refused SUBSCRIBE is not remembered: the next binding to subscribe tries again.
        subscribed.catch(() => {
          if (channels.get(channel) === made) channels.delete(channel);
        });
        channels.set(channel, (current = made));
      }
      current.handlers.add(handler);
      return current.subscribed;
    },
    async unsubscribe(channel, handler) {
      const current = channels.get(channel);
      if (current === undefined || !current.handlers.delete(handler) || current.handlers.size > 0) return;
      channels.delete(channel);
      await current.subscribed.catch(() => undefined);
      // Someone subscribed again meanwhile (their SUBSCRIBE is already sent): ours would end theirs.
      if (channels.has(channel)) return;
      await connection.unsubscribe(channel);
    },
    channels: () => [...channels.keys()],
  };
}
