// Public entry of @licenzy-gate/koa: requireAccess() for Koa 2/3, plus the core pieces a Koa app needs.
export { requireAccess } from './require-access.js';
export type { KoaRefusalHook, KoaRequireAccessOptions } from './require-access.js';
export { subjectFromAuth } from './subject.js';
export {
  createAccessGate,
  getDefaultGate,
  resetDefaultGate,
  LicenzyAbortError,
  LicenzyAccessDeniedError,
  LicenzyAuthError,
  LicenzyConfigError,
  LicenzyError,
  LicenzyResponseError,
  LicenzySubjectInvalidError,
  LicenzySubjectRequiredError,
  LicenzyUnavailableError,
  toProblem,
} from '@licenzy-gate/core';
export type {
  AccessDecision,
  AccessGate,
  AccessGateOptions,
  GateLogger,
  LicenzyErrorCode,
  Problem,
  ProblemCode,
  RequestDecision,
  RequireAccessOptions,
} from '@licenzy-gate/core';
