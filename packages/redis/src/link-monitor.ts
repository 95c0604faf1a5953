// Issue 24: a cluster or Sentinel subscriber whose link was lost, moved or re-established is not trusted again until a
// probe published through each of its channels comes back; until then every local decision is forgotten at a steady pace.
import { randomUUID } from 'node:crypto';

/** Messages that start with this are probes (never sealed events): dispatched to the monitor, never to a binding. */
export const PROBE_PREFIX = 'licenzy-probe:';

/** How often an untrusted link forgets every local decision and probes again (ms). */
export const PROBE_INTERVAL = 100;

/**
 * How long after a suspicion an unconfirmed link keeps forgetting every interval (ms). Longer than a failover takes
 * (promotion measured at 2-3 s); past it the link stays untrusted and probed, but local decisions live their TTL, as on a
 * single server whose pub/sub is lost: forgetting every 100 ms through a long outage would turn each active subject into
 * ten Licenzy calls a second per instance (Redis down: no L2 behind L1 either).
 */
export const FORGET_FOR = 10_000;

/** A probe whose PUBLISH has not settled after this long (ms) no longer holds back a new one. */
const PROBE_PATIENCE = 1_000;

/** The timers the monitor uses; injectable so a test drives them by hand. */
export interface MonitorTimers {
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
  now(): number;
}

export interface LinkMonitorOptions {
  /** Forget every local decision (a `reset` to every binding). */
  readonly reset: () => void;
  /** The channels subscribed now: each must carry a probe back before the link is trusted. */
  readonly channels: () => readonly string[];
  /** PUBLISHes `message` on `channel` through the command connection. */
  readonly publish: (channel: string, message: string) => Promise<unknown>;
  readonly interval?: number;
  /** See {@link FORGET_FOR}. */
  readonly forgetFor?: number;
  readonly timers?: MonitorTimers;
}

export interface LinkMonitor {
  /** Whether no link change is unconfirmed: then a message published to a channel reaches this subscriber. */
  readonly trusted: boolean;
  /**
   * The link was lost, moved, or re-established (a subscription may not be in place yet): forget now, then forget
   * every `interval` and probe until each channel has carried back a probe sent after this call, then forget once more.
   */
  suspect(): void;
  /** A probe heard on `channel`. */
  heard(channel: string, message: string): void;
  close(): void;
}

const realTimers: MonitorTimers = {
  setInterval(callback, ms) {
    const handle = setInterval(callback, ms);
    handle.unref();
    return handle;
  },
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
  now: () => performance.now(),
};

/**
 * Without it, a decision cached while the subscription was down or moving (nothing heard, no event: ioredis moves its
 * cluster subscriber silently, node-redis reports a reconnection once) outlived an invalidation published meanwhile
 * until the next topology event or `ttl`: 1.3 s after an acknowledged revocation in a CI failover. Forgetting every
 * `interval` bounds that by the interval; the final reset covers what was published before the probe came back.
 *
 * @example
 * const monitor = createLinkMonitor({ reset, channels: () => ['licenzy:ns:events'], publish: (c, m) => send(['PUBLISH', c, m]) })
 * client.on('node-error', () => monitor.suspect())
 */
export function createLinkMonitor(options: LinkMonitorOptions): LinkMonitor {
  const { reset, channels, publish } = options;
  const interval = options.interval ?? PROBE_INTERVAL;
  const forgetFor = options.forgetFor ?? FORGET_FOR;
  const timers = options.timers ?? realTimers;
  let ticker: unknown;
  let closed = false;
  let suspectedAt = 0;
  /** Probes of the current suspicion still valid, by token: the channel each was sent on. */
  let tokens = new Map<string, string>();
  let confirmed = new Set<string>();
  /** Per channel: when its last probe was sent, while its PUBLISH has not settled. */
  let outstanding = new Map<string, number>();

  const stop = () => {
    if (ticker !== undefined) timers.clearInterval(ticker);
    ticker = undefined;
  };
  const probe = () => {
    const now = timers.now();
    for (const channel of channels()) {
      const sentAt = outstanding.get(channel);
      if (confirmed.has(channel) || (sentAt !== undefined && now - sentAt < PROBE_PATIENCE)) continue;
      const token = `${PROBE_PREFIX}${randomUUID()}`;
      const mine = outstanding;
      tokens.set(token, channel);
      mine.set(channel, now);
      const settled = () => {
        if (mine.get(channel) === now) mine.delete(channel);
      };
      publish(channel, token).then(settled, settled);
    }
  };
  const confirmIfDone = () => {
    if (ticker === undefined || !channels().every((channel) => confirmed.has(channel))) return;
    stop();
    tokens = new Map();
    // Whatever was published before the probes came back and missed us is forgotten here; after it, all is heard.
    reset();
  };
  const tick = () => {
    if (timers.now() - suspectedAt < forgetFor) reset();
    probe();
    confirmIfDone();
  };

  return {
    get trusted() {
      return ticker === undefined;
    },
    suspect() {
      if (closed) return;
      // Probes sent before this may have come through the old link: only new ones count.
      tokens = new Map();
      confirmed = new Set();
      outstanding = new Map();
      suspectedAt = timers.now();
      if (ticker === undefined) ticker = timers.setInterval(tick, interval);
      tick();
    },
    heard(channel, message) {
      if (ticker === undefined || tokens.get(message) !== channel) return;
      confirmed.add(channel);
      confirmIfDone();
    },
    close() {
      closed = true;
      stop();
    },
  };
}
