// Public entry of @licenzy-gate/koa: requireAccess() for Koa 2/3 and its types, plus all of @licenzy-gate/core
// (createAccessGate, the error classes, toProblem, …) so a Koa app installs one package.
export * from '@licenzy-gate/core';
export { requireAccess } from './require-access.js';
export type { KoaRequireAccessOptions } from './require-access.js';
export type { KoaRefusalHook } from './refusal.js';
export { subjectFromAuth, subjectFromRequest } from './subject.js';
export { webhookHandler } from './webhook.js';
export type { KoaWebhookOptions } from './webhook.js';
export { requireUsage } from './require-usage.js';
export type { KoaRequireUsageOptions } from './require-usage.js';
export { accessStatus, customerAccessFor } from './access-status.js';
export type { KoaAccessStatusOptions } from './access-status.js';
