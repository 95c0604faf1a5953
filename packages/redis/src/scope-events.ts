// One scope's events channel: sealed invalidate/clear messages from other instances, and link resets, to listeners.
import { randomUUID } from 'node:crypto';
import type { SharedEvent } from '@licenzy-gate/core/adapter';
import { openMessage, type ScopeKeys } from './crypto.js';
import { createReplayGuard } from './replay-guard.js';
import { reportShared } from './shared-diagnostics.js';
import type { SharedSubscriber } from './subscriptions.js';

/** The listeners of one binding, subscribed to Redis while there is at least one. */
export interface ScopeEvents {
  /** This binding's id in the messages it publishes, so its own come back without effect. */
  readonly origin: string;
  subscribe(listener: (event: SharedEvent) => void): () => void;
}

export function createScopeEvents(
  keys: ScopeKeys,
  namespace: string,
  eventsChannel: string,
  subscriber: SharedSubscriber,
  resetListeners: Set<(up: boolean) => void>,
  now: () => number = Date.now,
): ScopeEvents {
  const origin = randomUUID();
  // Per binding: each gate must hear each genuine message once, and no copy of it afterwards.
  const replays = createReplayGuard({ now });
  const listeners = new Set<(event: SharedEvent) => void>();
  let subscribed: Promise<void> | undefined;
  const emit = (event: SharedEvent) => {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch {
        // One listener's bug must not stop the others from forgetting.
      }
    }
  };
  const onLink = () => {
    reportShared({ type: 'reset', namespace });
    emit({ type: 'reset' });
  };
  const onMessage = (sealed: string) => {
    const message = openMessage(keys, sealed);
    // Forged, tampered or foreign messages are dropped; our own need no action; a replayed or too old copy of a
    // genuine one is dropped too (issue 23, item 7): it would make every instance forget at an attacker's pace.
    if (message === undefined || message.origin === origin || !replays.admit(message.nonce, message.sentAt)) return;
    emit(message.type === 'clear' ? { type: 'clear' } : { type: 'invalidate', subjectRef: message.subjectRef });
  };

  return {
    origin,
    subscribe(listener) {
      listeners.add(listener);
      if (listeners.size === 1) {
        resetListeners.add(onLink);
        subscribed = subscriber.subscribe(eventsChannel, onMessage).catch(() => {
          // Only when the tier is closing or Redis refused SUBSCRIBE: other instances' events will not arrive here,
          // so say so; link changes (reset) still reach the listener.
          reportShared({ type: 'error', error: new Error('Redis tier could not subscribe'), namespace });
        });
      }
      return () => {
        if (!listeners.delete(listener) || listeners.size > 0) return;
        resetListeners.delete(onLink);
        void (subscribed ?? Promise.resolve()).then(() => subscriber.unsubscribe(eventsChannel, onMessage));
        subscribed = undefined;
      };
    },
  };
}
