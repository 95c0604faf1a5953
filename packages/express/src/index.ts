// Public entry of @licenzy-gate/express: the middleware, its types, and the core pieces an Express app needs.
export { requireAccess } from './require-access.js';
export type { ExpressDeniedHandler, ExpressRequireAccessOptions, LicenzyMiddleware } from './require-access.js';
export { subjectFromAuth } from './subject.js';
export {
  LicenzyAbortError,
  LicenzyAccessDeniedError,
  LicenzyAuthError,
  LicenzyConfigError,
  LicenzyError,
  LicenzyResponseError,
  LicenzySubjectInvalidError,
  LicenzySubjectRequiredError,
  LicenzyUnavailableError,
  createAccessGate,
  getDefaultGate,
  resetDefaultGate,
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
