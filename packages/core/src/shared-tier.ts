// The seam for a decision tier shared by many processes (e.g. @licenzy-gate/redis), and the scope that binds it.
import { nodeCrypto } from './node-builtins.js';
import type { LicenzyMode } from './config.js';

/**
 * A decision as a shared tier keeps it. Lifetimes are *remaining* milliseconds at the moment of reading or
 * writing, so no clock is compared across machines; a tier stores them as its own expiry (e.g. Redis `PX`).
 */
export interface SharedEntry {
  readonly allowed: boolean;
  /** Wall-clock time (`Date.now()`) when Licenzy gave the answer; for display only, never for expiry. */
  readonly checkedAt: number;
  /** Remaining ms during which the entry answers checks. > 0. */
  readonly ttl: number;
  /** Remaining ms during which it may stand in while Licenzy is unavailable (`staleIfError`); >= `ttl`. */
  readonly staleTtl: number;
  /**
   * Ms since the call behind the entry started (at least), on the tier's own clock. An entry younger than the gate's
   * `freshInterval` answers a `fresh` check like a recent answer of this instance would (issue 23, item 5: without it,
   * every instance asked Licenzy again for what another had just asked). A tier that cannot tell omits it: the entry
   * then never answers a `fresh` check.
   */
  readonly age?: number;
}

/**
 * An entry past its fresh window but inside its stale window: it never answers a check, it may only stand in while
 * Licenzy is unavailable (`staleIfError`). Deliberately without `ttl`, so it cannot be put in a cache as fresh.
 */
export interface SharedStaleEntry {
  readonly allowed: boolean;
  readonly checkedAt: number;
  /** Remaining ms during which it may stand in while Licenzy is unavailable. > 0. */
  readonly staleTtl: number;
}

/**
 * Who a binding serves: one mode of one Licenzy account at one base URL. Derived from the API key by
 * {@link deriveSharedScope}; the key itself never reaches a tier.
 */
export interface SharedTierScope {
  readonly mode: LicenzyMode;
  /** Hex digest of (mode, key, base URL). Every key a tier writes starts with it, so scopes never share entries. */
  readonly namespace: string;
  /** 32 bytes derived from the API key: authenticates entries and messages, so only key holders can write them. */
  readonly secret: Uint8Array;
}

/** What other instances tell this one through the tier. */
export type SharedEvent =
  /** Forget this subject's local decision (invalidated elsewhere, or a fresh answer was written elsewhere). */
  | { readonly type: 'invalidate'; readonly subjectRef: string }
  /** Forget every local decision (`gate.clear()` elsewhere). */
  | { readonly type: 'clear' }
  /** The tier lost (or re-established) its link to the others: forget every local decision, it may have missed events. */
  | { readonly type: 'reset' };

/** A tier bound to one scope. Every method may reject; the gate treats any rejection as a miss, never as a grant. */
export interface SharedTierBinding {
  /**
   * Reads the subject's entry (undefined when none, expired, or not authentic) and a write token, in one round
   * trip. The token is what {@link SharedTierBinding.write} compares to refuse an answer fetched before an invalidation.
   * `entry` is only ever fresh (`ttl > 0`). A tier may also return `stale` (then `entry` is undefined): the entry
   * past its fresh window, for the gate to use only if Licenzy fails; a gate may ignore it.
   */
  read(subjectRef: string): Promise<{ entry: SharedEntry | undefined; token: string; stale?: SharedStaleEntry }>;
  /**
   * Stores an answer unless the subject was invalidated (or the tier cleared) since `token` was read; atomic.
   * With `broadcast`, other instances are told to forget their local decision (a `fresh` answer). Resolves
   * whether it was written: `true`, `false` (the subject was invalidated since: the gate drops its local answer), or
   * `'cleared'` (only the whole scope was cleared since: the clear's own message makes the gate forget, at most once
   * per second, so a flood of clears never leaves it caching nothing). A tier that cannot tell resolves `false`.
   */
  write(subjectRef: string, entry: SharedEntry, token: string, options?: { broadcast?: boolean }): Promise<boolean | 'cleared'>;
  /** Deletes the subject's entry, bumps its version (so in-flight answers cannot be written) and tells every instance. */
  invalidate(subjectRef: string): Promise<void>;
  /** Forgets every entry of this scope on every instance. */
  clear(): Promise<void>;
  /** Listens to the other instances. Returns the unsubscribe function. */
  subscribe(listener: (event: SharedEvent) => void): () => void;
}

/** A shared tier (`createAccessGate({ shared })`): binds to the gate's scope when the gate is created. */
export interface SharedTier {
  bind(scope: SharedTierScope): SharedTierBinding;
  /** Closes the tier's connections. */
  close(): Promise<void>;
}

/**
 * The scope of a key at a base URL: a namespace that separates modes, accounts (keys) and Licenzy deployments,
 * and a secret for authenticating shared data. Both are one-way derivations of the key.
 *
 * @example
 * deriveSharedScope('lz_test_example_0000', 'test', 'https://licenzy.example').namespace // 'a3f1…' (hex)
 */
export function deriveSharedScope(apiKey: string, mode: LicenzyMode, baseUrl: string): SharedTierScope {
  const namespace = nodeCrypto.createHash('sha256').update(`licenzy-gate/namespace\0${mode}\0${baseUrl}\0${apiKey}`).digest('hex').slice(0, 32);
  const secret = nodeCrypto.createHmac('sha256', apiKey).update(`licenzy-gate/shared-tier\0${namespace}`).digest();
  return { mode, namespace, secret: new Uint8Array(secret) };
}
