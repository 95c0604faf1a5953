// Public entry of @licenzy-gate/redis: a shared decision tier on Redis for many app instances (work in progress).
export type { SharedTier, SharedTierBinding, SharedTierScope, SharedEntry, SharedEvent } from '@licenzy-gate/core';
