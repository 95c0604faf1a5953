// Redis Cluster and Sentinel clients behind the tier's one connection shape: routed commands, WAIT on the same node,
// and a subscriber whose moves (failover, resharding) are reported as link resets.
import { RedisTierError } from './errors.js';

/** Commands a tier sends: routed by their first key on a cluster, never queued while the client is not ready. */
export interface CommandConnection {
  send(args: string[]): Promise<unknown>;
  /**
   * `WAIT replicas ms` on the connection to the node serving `key` (the one the write just went to): resolves how
   * many replicas acknowledged every write of that connection so far.
   */
  replicate(key: string, replicas: number, ms: number): Promise<number>;
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

type Listener = (...args: unknown[]) => void;
export interface Emitter {
  on(event: string, listener: Listener): unknown;
}

/** A node-redis cluster (`createCluster`): commands are routed by the key given first. */
export interface NodeRedisClusterLike {
  sendCommand(firstKey: string | undefined, isReadonly: boolean | undefined, args: string[]): Promise<unknown>;
  duplicate(overrides?: never): unknown;
  readonly isOpen: boolean;
  readonly masters: readonly unknown[];
}

/** A node-redis Sentinel client (`createSentinel`): commands go to the current primary. */
export interface NodeRedisSentinelLike {
  sendCommand(isReadonly: boolean | undefined, args: string[]): Promise<unknown>;
  readonly isReady: boolean;
  readonly isOpen: boolean;
}

/** An ioredis `Cluster`. */
export interface IoRedisClusterLike {
  call(command: string, ...args: string[]): Promise<unknown>;
  pipeline(commands: string[][]): { exec(): Promise<Array<[Error | null, unknown]> | null> };
  duplicate(startupNodes?: never, options?: never): unknown;
  readonly status: string;
  readonly isCluster: true;
}

export const offline = () => new RedisTierError('ERR_LICENZY_SHARED_OFFLINE', 'Redis connection is not ready');

export function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/** The key a command is routed by: the first key of EVAL/EVALSHA, the key of a one-key command; none for the others. */
export function firstKeyOf(args: readonly string[]): string | undefined {
  const command = args[0]?.toUpperCase();
  if (command === 'EVALSHA' || command === 'EVAL') return Number(args[2]) > 0 ? args[3] : undefined;
  if (command === 'PUBLISH' || command === 'WAIT') return undefined;
  return args[1];
}

function waitArgs(replicas: number, ms: number): string[] {
  return ['WAIT', String(replicas), String(ms)];
}

export function nodeRedisClusterCommands(client: NodeRedisClusterLike, owned: boolean): CommandConnection {
  // Open from the moment connect() starts, but without a slot map until the first discovery has answered: a command
  // then would fail inside node-redis with a TypeError (logged as "command failed"), not as "not ready".
  const ready = () => client.isOpen && client.masters.length > 0;
  return {
    send(args) {
      if (!ready()) return Promise.reject(offline());
      return client.sendCommand(firstKeyOf(args), false, args);
    },
    async replicate(key, replicas, ms) {
      if (!ready()) throw offline();
      // One client per node: WAIT routed by the key follows the script on the same socket.
      return Number(await client.sendCommand(key, false, waitArgs(replicas, ms)));
    },
    async close() {
      if (owned) await closeQuietly(client);
    },
  };
}

export function nodeRedisSentinelCommands(client: NodeRedisSentinelLike, owned: boolean): CommandConnection {
  return {
    send(args) {
      if (!client.isReady) return Promise.reject(offline());
      return client.sendCommand(false, args);
    },
    async replicate(_key, replicas, ms) {
      if (!client.isReady) throw offline();
      // The primary's pool is one connection unless the app asked for more (masterPoolSize): WAIT follows the script.
      return Number(await client.sendCommand(false, waitArgs(replicas, ms)));
    },
    async close() {
      if (owned) await closeQuietly(client);
    },
  };
}

export function ioRedisClusterCommands(client: IoRedisClusterLike): CommandConnection {
  return {
    send(args) {
      if (client.status !== 'ready') return Promise.reject(offline());
      const [command, ...rest] = args as [string, ...string[]];
      return client.call(command, ...rest);
    },
    async replicate(key, replicas, ms) {
      if (client.status !== 'ready') throw offline();
      // A pipeline goes to the node of its keyed command as a whole (ioredis names commands in lower case): the
      // keyless WAIT rides along with an EXISTS of the key to the node, and connection, the script used.
      const results = (await client.pipeline([['exists', key], ['wait', String(replicas), String(ms)]]).exec()) ?? [];
      const wait = results[1];
      if (wait?.[0]) throw wait[0];
      return Number(wait?.[1]);
    },
    async close() {
      // Never ours.
    },
  };
}

async function closeQuietly(client: unknown): Promise<void> {
  try {
    const c = client as { destroy?: () => unknown; disconnect?: () => unknown };
    await (c.destroy ?? c.disconnect)?.call(client);
  } catch {
    // Already closed.
  }
}

/**
 * Turns a topology-aware client's events into link changes. A cluster or Sentinel client moves its subscription to
 * another node by itself, so messages published meanwhile are missed: every node error, removal, reconnection or
 * topology change is a lost link, and a `ready`-like event a re-established one. The tier trusts neither until a probe
 * comes back through the subscription (link-monitor.ts): node-redis reports a node's `ready` only once, and
 * re-subscribes after it.
 */
export function watchTopology(client: Emitter, lostEvents: string[], upEvents: string[], hooks: ConnectionHooks): () => void {
  let closed = false;
  for (const event of lostEvents) {
    client.on(event, (...args: unknown[]) => {
      if (closed) return;
      const error = args.find((a) => a instanceof Error);
      if (error instanceof Error) hooks.onError(error);
      hooks.onLink(false);
    });
  }
  for (const event of upEvents) client.on(event, () => closed || hooks.onLink(true));
  return () => {
    closed = true;
  };
}

interface ClusterSubscriberClient extends Emitter {
  subscribe(channel: string, listener: (message: string) => void): Promise<unknown>;
  unsubscribe(channel: string): Promise<unknown>;
}

/**
 * A subscriber on a node-redis cluster duplicate or Sentinel client: plain SUBSCRIBE, whose messages every node of a
 * cluster forwards (PUBLISH is broadcast over the cluster bus), so the subscription may sit on any node.
 */
export function nodeRedisTopologySubscriber(
  client: ClusterSubscriberClient & { connect?: () => Promise<unknown> },
  kind: 'cluster' | 'sentinel',
  owned: boolean,
  hooks: ConnectionHooks,
): SubscriberConnection {
  // A Sentinel client reports its pub/sub connection's failures (a dead primary) only as 'error': without it, nothing
  // said the subscription was down until the primary changed (issue 24: a grant served 668 ms after its 200).
  const lost = kind === 'cluster' ? ['node-error', 'node-reconnecting', 'node-disconnect'] : ['topology-change', 'client-error', 'error'];
  const stop = watchTopology(client, lost, kind === 'cluster' ? ['node-ready'] : [], hooks);
  if (kind === 'cluster') client.on('error', (error: unknown) => hooks.onError(toError(error)));
  const connecting = owned && client.connect !== undefined ? client.connect().then(() => hooks.onLink(true)) : Promise.resolve();
  connecting.catch((error: unknown) => hooks.onError(toError(error)));
  let closed = false;
  return {
    async subscribe(channel, onMessage) {
      await connecting;
      if (closed) return;
      await client.subscribe(channel, onMessage);
    },
    async unsubscribe(channel) {
      if (closed) return;
      await client.unsubscribe(channel).catch(() => undefined);
    },
    async close() {
      closed = true;
      stop();
      if (owned) await closeQuietly(client);
    },
  };
}

/** One node connection of an ioredis `Cluster` (`cluster.nodes()`), as the subscriber duplicates it. */
interface IoRedisNodeLike {
  duplicate(overrides: object): IoRedisNodeSubscriber;
}
interface IoRedisNodeSubscriber extends Emitter {
  subscribe(channel: string): Promise<unknown>;
  unsubscribe(channel: string): Promise<unknown>;
  disconnect(): void;
  readonly status: string;
}

/** Reconnections to the same node before the subscriber moves to another node of the cluster. */
const SAME_NODE_RETRIES = 2;

/**
 * A subscriber on one node of an ioredis `Cluster`, chosen among `cluster.nodes()` (every node forwards a PUBLISH):
 * ioredis's own cluster subscriber moves between nodes without telling anyone, so the tier keeps one it can watch.
 * It reconnects to its node twice, then moves to another; every close, move and `ready` is reported.
 */
export function ioRedisClusterSubscriber(cluster: { nodes(role?: 'all'): unknown[] }, hooks: ConnectionHooks): SubscriberConnection {
  const handlers = new Map<string, (message: string) => void>();
  let current: IoRedisNodeSubscriber | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  const open = (): void => {
    retry = undefined;
    if (closed) return;
    const nodes = cluster.nodes('all') as IoRedisNodeLike[];
    const node = nodes[Math.floor(Math.random() * nodes.length)];
    if (node === undefined) {
      // No node known yet (the app's cluster is still discovering): look again shortly.
      retry = setTimeout(open, 100);
      retry.unref();
      return;
    }
    const client = node.duplicate({
      lazyConnect: false,
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
      autoResubscribe: true,
      readOnly: false,
      retryStrategy: (times: number) => (times > SAME_NODE_RETRIES ? null : 100 * times),
    });
    current = client;
    client.on('error', (error: unknown) => hooks.onError(toError(error)));
    client.on('close', () => current === client && hooks.onLink(false));
    // ioredis resubscribes (autoResubscribe) right after 'ready'.
    client.on('ready', () => current === client && hooks.onLink(true));
    client.on('message', (channel: unknown, message: unknown) => {
      if (current === client && typeof channel === 'string' && typeof message === 'string') handlers.get(channel)?.(message);
    });
    client.on('end', () => {
      if (current !== client || closed) return;
      hooks.onLink(false);
      open();
    });
    for (const channel of handlers.keys()) client.subscribe(channel).catch(() => undefined);
  };
  open();
  return {
    async subscribe(channel, onMessage) {
      handlers.set(channel, onMessage);
      const client = current;
      if (client === undefined) return;
      // A connection that ends first is replaced, and its replacement subscribes every channel.
      await client.subscribe(channel).catch((error: unknown) => {
        if (closed || current === client) throw error;
      });
    },
    async unsubscribe(channel) {
      handlers.delete(channel);
      if (current?.status === 'ready') await current.unsubscribe(channel).catch(() => undefined);
    },
    async close() {
      closed = true;
      if (retry !== undefined) clearTimeout(retry);
      current?.disconnect();
    },
  };
}
