// One shape over node-redis and ioredis: a command connection that never queues offline, and a subscriber.
import { createClient, createCluster, createSentinel } from 'redis';
import {
  ioRedisClusterCommands,
  ioRedisClusterSubscriber,
  nodeRedisClusterCommands,
  nodeRedisSentinelCommands,
  nodeRedisTopologySubscriber,
  offline,
  toError,
  type CommandConnection,
  type ConnectionHooks,
  type Emitter,
  type IoRedisClusterLike,
  type NodeRedisClusterLike,
  type NodeRedisSentinelLike,
  type SubscriberConnection,
} from './cluster-connection.js';

export type { CommandConnection, ConnectionHooks, SubscriberConnection } from './cluster-connection.js';
export type { IoRedisClusterLike, NodeRedisClusterLike, NodeRedisSentinelLike } from './cluster-connection.js';

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

/**
 * An app's own Redis client: node-redis >= 5 (`createClient`, `createCluster`, `createSentinel`) or ioredis >= 5
 * (`Redis`, in Sentinel mode too, or `Cluster`).
 */
export type RedisClientLike = NodeRedisClientLike | IoRedisClientLike | NodeRedisClusterLike | NodeRedisSentinelLike | IoRedisClusterLike;

export type ClientKind = 'node-redis' | 'ioredis' | 'node-redis-cluster' | 'node-redis-sentinel' | 'ioredis-cluster';

/**
 * Tells the clients apart by shape (no library exports a reliable brand). The cluster and Sentinel clients look like
 * plain ones at first sight but route commands differently (`sendCommand(firstKey, isReadonly, args)`,
 * `sendCommand(isReadonly, args)`, ioredis's `isCluster`), so they are checked first.
 */
export function clientKind(client: unknown): ClientKind | undefined {
  if (typeof client !== 'object' || client === null) return undefined;
  const c = client as Record<string, unknown>;
  if (c.isCluster === true && typeof c.call === 'function' && typeof c.pipeline === 'function') return 'ioredis-cluster';
  if (typeof c.sendCommand === 'function' && typeof c.nodeClient === 'function' && typeof c.getSlotMaster === 'function') return 'node-redis-cluster';
  if (typeof c.sendCommand === 'function' && typeof c.getMasterNode === 'function') return 'node-redis-sentinel';
  if (typeof c.sendCommand === 'function' && typeof c.getMasterClientLease === 'function') return 'node-redis-sentinel';
  if (typeof c.duplicate !== 'function') return undefined;
  if (typeof c.sendCommand === 'function' && typeof c.isReady === 'boolean') return 'node-redis';
  if (typeof c.call === 'function' && typeof c.status === 'string') return 'ioredis';
  return undefined;
}

/** Whether keys of this client live in hash slots (a cluster): the tier then uses its hash-tagged key layout. */
export const isClusterKind = (kind: ClientKind | 'url-cluster' | undefined) => kind === 'node-redis-cluster' || kind === 'ioredis-cluster' || kind === 'url-cluster';

interface Duplicable {
  duplicate(overrides: object): unknown;
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
    async replicate(_key, replicas, ms) {
      if (!client.isReady) throw offline();
      // Same socket, after the script: WAIT counts the replicas that have its writes.
      return Number(await client.sendCommand(['WAIT', String(replicas), String(ms)]));
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
    async replicate(_key, replicas, ms) {
      if (client.status !== 'ready') throw offline();
      return Number(await client.call('WAIT', String(replicas), String(ms)));
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

/** Where the tier's connections come from: a URL (optionally a cluster seed or a Sentinel), or an app's client. */
export type ConnectionSource =
  | { url: string; topology?: 'cluster' | { sentinel: string } }
  | { client: RedisClientLike; kind: ClientKind };

/**
 * `topology`: a cluster or Sentinel subscriber, which moves between nodes by itself; the tier then trusts a changed link
 * only once a probe came back through it (link-monitor.ts). A single server's subscriber resubscribes before `ready`.
 */
type Connections = { commands: CommandConnection; subscriber: SubscriberConnection; topology?: boolean };

/** The tier's connections: from a URL (node-redis, all ours) or from an app's client (commands on it, a duplicate subscribes). */
export function openConnections(source: ConnectionSource, timeout: number, hooks: ConnectionHooks): Connections {
  if ('url' in source) return urlConnections(source, timeout, hooks);
  switch (source.kind) {
    case 'node-redis': {
      const app = source.client as NodeRedisClientLike;
      const duplicate = (app as unknown as Duplicable).duplicate({ disableOfflineQueue: false }) as NodeRedisClient;
      return { commands: nodeRedisCommands(app, false), subscriber: nodeRedisSubscriber(duplicate, hooks) };
    }
    case 'node-redis-cluster': {
      const app = source.client as NodeRedisClusterLike;
      // No overrides: node-redis takes per-node options under `defaults`, which the duplicate keeps as they are.
      const duplicate = (app as unknown as { duplicate(): never }).duplicate();
      return { commands: nodeRedisClusterCommands(app, false), subscriber: nodeRedisTopologySubscriber(duplicate, 'cluster', true, hooks), topology: true };
    }
    case 'node-redis-sentinel': {
      // A Sentinel client subscribes on a pub/sub connection of its own, moved to each new primary: no duplicate.
      const app = source.client as NodeRedisSentinelLike;
      return { commands: nodeRedisSentinelCommands(app, false), subscriber: nodeRedisTopologySubscriber(app as never, 'sentinel', false, hooks), topology: true };
    }
    case 'ioredis-cluster': {
      const app = source.client as IoRedisClusterLike;
      // Not `Cluster.duplicate()`: its subscriber moves between nodes silently. One node's connection, duplicated.
      return { commands: ioRedisClusterCommands(app), subscriber: ioRedisClusterSubscriber(app as never, hooks), topology: true };
    }
    default: {
      const app = source.client as IoRedisClientLike;
      const duplicate = (app as unknown as Duplicable).duplicate({
        enableOfflineQueue: true,
        maxRetriesPerRequest: null,
        lazyConnect: false,
      }) as IoRedisClient;
      return { commands: ioRedisCommands(app), subscriber: ioRedisSubscriber(duplicate, hooks) };
    }
  }
}

/** Per-node options of a cluster the tier creates: the URL's credentials and TLS, never its host (each node has its own). */
function clusterDefaults(url: string, timeout: number, offlineQueue: boolean) {
  const { url: _seed, ...options } = nodeRedisOptions(url, timeout, offlineQueue);
  const parsed = new URL(url);
  const credentials = {
    ...(parsed.username === '' ? {} : { username: decodeURIComponent(parsed.username) }),
    ...(parsed.password === '' ? {} : { password: decodeURIComponent(parsed.password) }),
  };
  return { ...options, ...credentials, socket: { ...options.socket, ...(parsed.protocol === 'rediss:' ? { tls: true as const } : {}) } };
}

function urlConnections(source: { url: string; topology?: 'cluster' | { sentinel: string } }, timeout: number, hooks: ConnectionHooks): Connections {
  const onError = (error: unknown) => hooks.onError(toError(error));
  if (source.topology === 'cluster') {
    const cluster = (offlineQueue: boolean) =>
      createCluster({ rootNodes: [{ url: source.url }], defaults: clusterDefaults(source.url, timeout, offlineQueue) }) as unknown as NodeRedisClusterLike &
        Emitter & { connect(): Promise<unknown> };
    const commandClient = cluster(false);
    commandClient.on('error', onError);
    commandClient.connect().catch(onError);
    const subscriberClient = cluster(true);
    return {
      commands: nodeRedisClusterCommands(commandClient, true),
      subscriber: nodeRedisTopologySubscriber(subscriberClient as never, 'cluster', true, hooks),
      topology: true,
    };
  }
  if (source.topology !== undefined) {
    const url = new URL(source.url);
    const { url: _ignored, ...nodeOptions } = nodeRedisOptions(source.url, timeout, false);
    const sentinel = createSentinel({
      name: source.topology.sentinel,
      sentinelRootNodes: [{ host: url.hostname, port: Number(url.port || 26379) }],
      nodeClientOptions: nodeOptions,
    }) as unknown as NodeRedisSentinelLike & Emitter;
    // One Sentinel client: its pub/sub runs on a connection of its own, which it moves to each new primary.
    const subscriber = nodeRedisTopologySubscriber(sentinel as never, 'sentinel', true, hooks);
    return { commands: nodeRedisSentinelCommands(sentinel, true), subscriber, topology: true };
  }
  const commandClient = createClient(nodeRedisOptions(source.url, timeout, false)) as unknown as NodeRedisClient;
  commandClient.on('error', onError);
  commandClient.connect().catch(onError);
  // The subscriber may queue its own SUBSCRIBE until connected; nothing else is ever sent on it.
  const subscriberClient = createClient(nodeRedisOptions(source.url, timeout, true)) as unknown as NodeRedisClient;
  return { commands: nodeRedisCommands(commandClient, true), subscriber: nodeRedisSubscriber(subscriberClient, hooks) };
}
