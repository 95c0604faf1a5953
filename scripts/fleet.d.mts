// Types of scripts/fleet.mjs, for the TypeScript tests that import it.
import type { ChildProcess } from 'node:child_process';

export declare const FLEET_APP: string;
export declare const REDIS_SERVER: string;
export declare const REDIS_MISSING: string;
export declare function redisServerInstalled(): boolean;
export declare function freePort(): Promise<number>;
export declare function until(condition: () => boolean | Promise<boolean>, timeout?: number, what?: string): Promise<void>;
export declare function buildRedisIfStale(): boolean;

export interface LocalRedis {
  readonly port: number;
  readonly url: string;
  readonly pid: number | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
  pause(): void;
  resume(): void;
  dbsize(): Promise<number>;
}
export declare function startRedis(options?: { port?: number }): Promise<LocalRedis>;

/** What the fleet app's IPC commands return (see scripts/fleet-app.mjs). */
export interface FleetCommands {
  stats: { args: undefined; result: Record<string, number | string> };
  invalidate: { args: string; result: number };
  broadcastSeen: { args: string; result: number | undefined };
  resets: { args: undefined; result: number };
  cached: { args: string; result: boolean | undefined };
  timeChecks: { args: string[]; result: Array<{ ms: number; allowed: boolean; source: string }> };
  hitLoop: { args: { subjectRef: string; n: number }; result: number };
}

export interface Instance {
  readonly url: string;
  readonly pid: number | undefined;
  readonly child: ChildProcess;
  call<C extends keyof FleetCommands>(cmd: C, args?: FleetCommands[C]['args']): Promise<FleetCommands[C]['result']>;
  stop(): Promise<void>;
}

export interface StartOptions {
  script?: string;
  env?: Record<string, string | undefined>;
  ipc?: boolean;
  output?: (chunk: string) => void;
}
export declare function startInstance(options?: StartOptions): Promise<Instance>;
export declare function startFleet(count: number, env: Record<string, string | undefined>, options?: Omit<StartOptions, 'env'>): Promise<Instance[]>;
