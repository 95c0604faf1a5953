// Public entry of @licenzy-gate/redis: a shared decision tier on Redis for many app instances.
export { createRedisTier } from './tier.js';
export type { RedisTierLogger, RedisTierOptions } from './tier-options.js';
export { SHARED_CHANNEL } from './shared-diagnostics.js';
export type { SharedDiagnostic } from './shared-diagnostics.js';
export { RedisTierError } from './errors.js';
export type { RedisTierErrorCode } from './errors.js';
export type { IoRedisClientLike, NodeRedisClientLike, RedisClientLike } from './connection.js';
export type { SharedTier } from '@licenzy-gate/core';
export type { SharedEntry, SharedEvent, SharedStaleEntry, SharedTierBinding, SharedTierScope } from '@licenzy-gate/core/adapter';
