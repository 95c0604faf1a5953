// Public entry of @licenzy-gate/express: the middleware and its types, plus all of @licenzy-gate/core
// (createAccessGate, the error classes, toProblem, …) so an Express app installs one package.
export * from '@licenzy-gate/core';
export { requireAccess } from './require-access.js';
export type { ExpressRequireAccessOptions, LicenzyMiddleware } from './require-access.js';
export type { ExpressDeniedHandler, ExpressRefusalHook } from './refusal.js';
export { subjectFromAuth, subjectFromRequest } from './subject.js';
export { webhookHandler } from './webhook.js';
export type { ExpressWebhookOptions } from './webhook.js';
export { requireUsage } from './require-usage.js';
export type { ExpressRequireUsageOptions } from './require-usage.js';
export { accessStatus, customerAccessFor } from './access-status.js';
export type { ExpressAccessStatusOptions } from './access-status.js';
