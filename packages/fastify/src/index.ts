// Public entry of @licenzy-gate/fastify: the plugin (default and named export), its option types, the default
// subject, plus all of @licenzy-gate/core (createAccessGate, the error classes, toProblem, …).
import { licenzyGate } from './plugin.js';

export * from '@licenzy-gate/core';
export { licenzyGate, subjectFromRequest } from './plugin.js';
export type { LicenzyGateOptions, RouteLicenzyOptions } from './plugin.js';
export type { FastifyRefusalHook, LicenzyHook } from './refusal.js';
export default licenzyGate;
export { webhookHandler } from './webhook.js';
export type { FastifyWebhookOptions } from './webhook.js';
export type { RouteAccessStatusOptions } from './access-status.js';
export type { RouteUsageOptions } from './require-usage.js';
