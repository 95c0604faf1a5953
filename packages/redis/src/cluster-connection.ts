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

/** After a lost link, the link is reported re-established again this long after the last topology event (ms). */
const SETTLE_RESETS = [1000, 5000];

/**
 * Turns a topology-aware client's events into link resets. A cluster or Sentinel client moves its subscription to
 * another node by itself (ioredis silently), so messages published meanwhile are missed: every node error, removal,
 * reconnection or topology change is a lost link, and the link counts as re-established (another reset) once at
 * each `ready`-like event and again 1 s and 5 s after the last event, when the move has settled.
 */
export function watchTopology(client: Emitter, lostEvents: string[], upEvents: string[], hooks: ConnectionHooks): () => void {
  let timers: NodeJS.Timeout[] = [];
  let closed = false;
  const settle = () => {
    for (const timer of timers) clearTimeout(timer);
    timers = SETTLE_RESETS.map((ms) => {
      const timer = setTimeout(() => closed || hooks.onLink(true), ms);
      timer.unref();
      return timer;
    });
  };
  for (const event of lostEvents) {
    client.on(event, (...args: unknown[]) => {
      if (closed) return;
      const error = args.find((a) => a instanceof Error);
      if (error instanceof Error) hooks.onError(error);
      hooks.onLink(false);
      settle();
    });
  }
  for (const event of upEvents) client.on(event, () => closed || hooks.onLink(true));
  return () => {
    closed = true;
    for (const timer of timers) clearTimeout(timer);
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
  const lost = kind === 'cluster' ? ['node-error', 'node-reconnecting', 'node-disconnect'] : ['topology-change', 'client-error'];
  const stop = watchTopology(client, lost, kind === 'cluster' ? ['node-ready'] : [], hooks);
  client.on('error', (error: unknown) => hooks.onError(toError(error)));
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

/** A subscriber on a duplicate of an ioredis `Cluster`; its silent moves between nodes are reported as resets. */
export function ioRedisClusterSubscriber(client: ClusterSubscriberClient & { status: string; disconnect(): void }, hooks: ConnectionHooks): SubscriberConnection {
  const handlers = new Map<string, (message: string) => void>();
  const stop = watchTopology(client, ['-node', 'node error', 'close', 'reconnecting'], ['ready'], hooks);
  client.on('error', (error: unknown) => hooks.onError(toError(error)));
  client.on('message', (channel: unknown, message: unknown) => {
    if (typeof channel === 'string' && typeof message === 'string') handlers.get(channel)?.(message);
  });
  return {
    async subscribe(channel, onMessage) {
      handlers.set(channel, onMessage);
      await client.subscribe(channel, () => undefined);
    },
    async unsubscribe(channel) {
      handlers.delete(channel);
      if (client.status === 'ready') await client.unsubscribe(channel).catch(() => undefined);
    },
    async close() {
      stop();
      client.disconnect();
    },
  };
}
