// One shape over node-redis and ioredis: a command connection that never queues offline, and a subscriber.
import { createClient } from 'redis';
import { RedisTierError } from './errors.js';

/** The parts of a node-redis (>= 5) client the tier uses. */
export interface NodeRedisClientLike {
  sendCommand(args: string[]): Promise<unknown>;
  duplicate(overrides?: never): unknown;
  readonly isReady: boolean;
  readonly isOpen: boolean;
}

/** The parts of an ioredis (>= 5) client the tier uses. */
export interface IoRedisClientLike {
  call(command: string, ...args: string[]): Promise<unknown>;
  duplicate(overrides?: never): unknown;
  readonly status: string;
}

/** An app's own Redis client: node-redis >= 5 or ioredis >= 5. */
export type RedisClientLike = NodeRedisClientLike | IoRedisClientLike;

export type ClientKind = 'node-redis' | 'ioredis';

/** Tells node-redis from ioredis by shape (neither library exports a reliable brand). */
export function clientKind(client: unknown): ClientKind | undefined {
  if (typeof client !== 'object' || client === null) return undefined;
  const c = client as Record<string, unknown>;
  if (typeof c.duplicate !== 'function') return undefined;
  if (typeof c.sendCommand === 'function' && typeof c.isReady === 'boolean') return 'node-redis';
  if (typeof c.call === 'function' && typeof c.status === 'string') return 'ioredis';
  return undefined;
}

/** Sends commands; rejects at once (nothing queued) when the connection is not ready. */
export interface CommandConnection {
  send(args: string[]): Promise<unknown>;
  close(): Promise<void>;
}

/** One subscriber connection; `onLink(true|false)` fires when the link is established or lost. */
export interface SubscriberConnection {
  subscribe(channel: string, onMessage: (message: string) => void): Promise<void>;
  unsubscribe(channel: string): Promise<void>;
  close(): Promise<void>;
}

export interface ConnectionHooks {
  /** The subscriber's link changed: `true` when (re)established, `false` when lost. */
  readonly onLink: (up: boolean) => void;
  /** A connection-level error (logged by the tier, never thrown). */
  readonly onError: (error: Error) => void;
}

interface Duplicable {
  duplicate(overrides: object): unknown;
}
type Listener = (...args: unknown[]) => void;
interface Emitter {
  on(event: string, listener: Listener): unknown;
}
interface NodeRedisClient extends NodeRedisClientLike, Emitter {
  connect(): Promise<unknown>;
  destroy(): void;
  subscribe(channel: string, listener: (message: string) => void): Promise<void>;
  unsubscribe(channel: string): Promise<void>;
}
interface IoRedisClient extends IoRedisClientLike, Emitter {
  subscribe(channel: string): Promise<unknown>;
  unsubscribe(channel: string): Promise<unknown>;
  disconnect(): void;
}

const offline = () => new RedisTierError('ERR_LICENZY_SHARED_OFFLINE', 'Redis connection is not ready');

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/** Reconnects forever with a capped backoff, so the tier recovers by itself when Redis returns. */
const reconnectStrategy = (retries: number) => Math.min(50 * 2 ** Math.min(retries, 10), 1000);

/** node-redis options for the connections the tier creates from `url`. */
function nodeRedisOptions(url: string, timeout: number, offlineQueue: boolean) {
  return {
    url,
    // Commands sent while disconnected fail at once instead of piling up until Redis returns.
    disableOfflineQueue: !offlineQueue,
    socket: { connectTimeout: Math.max(1000, timeout * 5), reconnectStrategy },
  };
}

function nodeRedisCommands(client: NodeRedisClientLike, owned: boolean): CommandConnection {
  return {
    send(args) {
      // Checked here too for an app's client, whose offline queue we do not control and must not grow.
      if (!client.isReady) return Promise.reject(offline());
      return client.sendCommand(args);
    },
    async close() {
      if (owned) destroyQuietly(client as NodeRedisClient);
    },
  };
}

function ioRedisCommands(client: IoRedisClientLike): CommandConnection {
  return {
    send(args) {
      if (client.status !== 'ready') return Promise.reject(offline());
      const [command, ...rest] = args as [string, ...string[]];
      return client.call(command, ...rest);
    },
    async close() {
      // Never ours: the tier only ever creates node-redis connections.
    },
  };
}

function destroyQuietly(client: NodeRedisClient): void {
  try {
    client.destroy();
  } catch {
    // Already closed.
  }
}

function nodeRedisSubscriber(client: NodeRedisClient, hooks: ConnectionHooks): SubscriberConnection {
  let up = false;
  const lost = () => {
    if (!up) return;
    up = false;
    hooks.onLink(false);
  };
  client.on('error', (error) => {
    hooks.onError(toError(error));
    lost();
  });
  client.on('end', lost);
  client.on('reconnecting', lost);
  // node-redis resubscribes before it emits 'ready', so events after this point are received.
  client.on('ready', () => {
    up = true;
    hooks.onLink(true);
  });
  const connecting = client.connect().catch((error: unknown) => hooks.onError(toError(error)));
  let closed = false;
  return {
    async subscribe(channel, onMessage) {
      await connecting;
      if (closed) return;
      await client.subscribe(channel, onMessage);
    },
    async unsubscribe(channel) {
      if (closed || !client.isOpen) return;
      await client.unsubscribe(channel).catch(() => undefined);
    },
    async close() {
      closed = true;
      destroyQuietly(client);
    },
  };
}

function ioRedisSubscriber(client: IoRedisClient, hooks: ConnectionHooks): SubscriberConnection {
  let up = false;
  const handlers = new Map<string, (message: string) => void>();
  client.on('error', (error) => hooks.onError(toError(error)));
  client.on('close', () => {
    if (!up) return;
    up = false;
    hooks.onLink(false);
  });
  // ioredis resubscribes (autoResubscribe) right after 'ready'.
  client.on('ready', () => {
    up = true;
    hooks.onLink(true);
  });
  client.on('message', (channel, message) => {
    if (typeof channel === 'string' && typeof message === 'string') handlers.get(channel)?.(message);
  });
  return {
    async subscribe(channel, onMessage) {
      handlers.set(channel, onMessage);
      await client.subscribe(channel);
    },
    async unsubscribe(channel) {
      handlers.delete(channel);
      if (client.status === 'ready') await client.unsubscribe(channel).catch(() => undefined);
    },
    async close() {
      client.disconnect();
    },
  };
}

/** The tier's connections: from a URL (node-redis, both ours) or from an app's client (commands on it, a duplicate subscribes). */
export function openConnections(
  source: { url: string } | { client: RedisClientLike; kind: ClientKind },
  timeout: number,
  hooks: ConnectionHooks,
): { commands: CommandConnection; subscriber: SubscriberConnection } {
  if ('url' in source) {
    const commandClient = createClient(nodeRedisOptions(source.url, timeout, false)) as unknown as NodeRedisClient;
    commandClient.on('error', (error) => hooks.onError(toError(error)));
    commandClient.connect().catch((error: unknown) => hooks.onError(toError(error)));
    // The subscriber may queue its own SUBSCRIBE until connected; nothing else is ever sent on it.
    const subscriberClient = createClient(nodeRedisOptions(source.url, timeout, true)) as unknown as NodeRedisClient;
    return { commands: nodeRedisCommands(commandClient, true), subscriber: nodeRedisSubscriber(subscriberClient, hooks) };
  }
  if (source.kind === 'node-redis') {
    const app = source.client as NodeRedisClientLike;
    const duplicate = (app as unknown as Duplicable).duplicate({ disableOfflineQueue: false }) as NodeRedisClient;
    return { commands: nodeRedisCommands(app, false), subscriber: nodeRedisSubscriber(duplicate, hooks) };
  }
  const app = source.client as IoRedisClientLike;
  const duplicate = (app as unknown as Duplicable).duplicate({
    enableOfflineQueue: true,
    maxRetriesPerRequest: null,
    lazyConnect: false,
  }) as IoRedisClient;
  return { commands: ioRedisCommands(app), subscriber: ioRedisSubscriber(duplicate, hooks) };
}
