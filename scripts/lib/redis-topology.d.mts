// Types of scripts/lib/redis-topology.mjs, for the TypeScript tests that import it.

export declare const REDIS_SERVER: string;
export declare const REDIS_CLI: string;
export declare const REDIS_SENTINEL: string;
export declare function topologyMissing(kind: 'single' | 'cluster' | 'sentinel'): string | undefined;
export declare function cli(port: number, args: string[]): Promise<string>;

export interface TopologyProcess {
  readonly port: number;
  readonly pid: number | undefined;
  readonly running: boolean;
  start(): Promise<void>;
  kill(): Promise<void>;
}

/** What the fleet app reads (scripts/lib/fleet-tier.mjs). */
export type TopologyClient = 'url' | 'node-redis' | 'ioredis';

interface Topology {
  /** One node (cluster) or one Sentinel. */
  readonly url: string;
  readonly seeds: ReadonlyArray<{ host: string; port: number }>;
  readonly label: string;
  env(client?: TopologyClient): Record<string, string>;
  /** Keys on the nodes that are primaries now. */
  dbsize(): Promise<number>;
  stop(): Promise<void>;
}

export interface LocalRedisCluster extends Topology {
  readonly kind: 'cluster';
  readonly nodes: readonly TopologyProcess[];
}

export interface LocalRedisSentinels extends Topology {
  readonly kind: 'sentinel';
  readonly name: string;
  readonly primary: TopologyProcess;
  readonly replicas: readonly TopologyProcess[];
  readonly sentinels: readonly TopologyProcess[];
}

export declare function startRedisCluster(): Promise<LocalRedisCluster>;
export declare function startRedisSentinels(name?: string): Promise<LocalRedisSentinels>;
