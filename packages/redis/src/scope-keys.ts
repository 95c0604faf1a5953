// Where one scope's data lives in Redis: the single-server layout (unchanged since issue 9) and the cluster layout.

/** The keys and channel of one scope. */
export interface ScopeLayout {
  /** The scope's epoch, bumped by `clear`. */
  readonly epoch: string;
  /** The channel of sealed invalidate / clear messages. */
  readonly events: string;
  /** A subject's version and entry keys (from its HMAC). */
  subject(hash: string): { readonly version: string; readonly entry: string };
}

/**
 * The scope's layout under `prefix`. On a single server or a Sentinel: `<prefix>:<namespace>:v:<hash>`,
 * `…:e:<hash>`, `…:epoch` (what every release since issue 9 wrote). On a cluster the subject's HMAC is the hash tag
 * (`…:v:{<hash>}`, `…:e:{<hash>}`): a subject's version and entry share a slot (a script touches both), subjects
 * spread over every shard, and the scope's epoch sits in a slot of its own, read apart from the script (see
 * scope-binding.ts). The prefix may not hold `{`/`}` there (tier-options.ts), so the first tag is always ours.
 *
 * @example
 * scopeLayout('licenzy', 'a3f1…', true).subject('9c2e…').entry // 'licenzy:a3f1…:e:{9c2e…}'
 */
export function scopeLayout(prefix: string, namespace: string, cluster: boolean): ScopeLayout {
  const base = `${prefix}:${namespace}`;
  const tag = cluster ? (hash: string) => `{${hash}}` : (hash: string) => hash;
  return {
    epoch: `${base}:epoch`,
    events: `${base}:events`,
    subject: (hash) => ({ version: `${base}:v:${tag(hash)}`, entry: `${base}:e:${tag(hash)}` }),
  };
}
