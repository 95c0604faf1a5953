// Public entry of @licenzy-gate/fastify: the plugin (default and named export), its option types and the default subject.
import { licenzyGate } from './plugin.js';

export { licenzyGate, subjectFromRequest } from './plugin.js';
export type { LicenzyGateOptions, LicenzyHook, RouteLicenzyOptions } from './plugin.js';
export type { RequestDecision } from '@licenzy-gate/core';
export default licenzyGate;
