// What moved to @licenzy-gate/mock, re-exported here for one release so existing imports keep working.
import {
  createMockLicenzy as mockCreateMockLicenzy,
  DEFAULT_LIVE_KEY as MOCK_DEFAULT_LIVE_KEY,
  DEFAULT_TEST_KEY as MOCK_DEFAULT_TEST_KEY,
  generateWebhookSecret as mockGenerateWebhookSecret,
  MockLicenzyConfigError as MockConfigError,
  OMIT_FIELD as MOCK_OMIT_FIELD,
  runMockCli as mockRunMockCli,
  signWebhook as mockSignWebhook,
} from '@licenzy-gate/mock';
import type * as mock from '@licenzy-gate/mock';

/** @deprecated import from '@licenzy-gate/mock' */
export const createMockLicenzy = mockCreateMockLicenzy;
/** @deprecated import from '@licenzy-gate/mock' */
export const DEFAULT_LIVE_KEY = MOCK_DEFAULT_LIVE_KEY;
/** @deprecated import from '@licenzy-gate/mock' */
export const DEFAULT_TEST_KEY = MOCK_DEFAULT_TEST_KEY;
/** @deprecated import from '@licenzy-gate/mock' */
export const MockLicenzyConfigError = MockConfigError;
/** @deprecated import from '@licenzy-gate/mock' */
export type MockLicenzyConfigError = mock.MockLicenzyConfigError;
/** @deprecated import from '@licenzy-gate/mock' */
export const OMIT_FIELD = MOCK_OMIT_FIELD;
/** @deprecated import from '@licenzy-gate/mock' */
export const generateWebhookSecret = mockGenerateWebhookSecret;
/** @deprecated import from '@licenzy-gate/mock' */
export const signWebhook = mockSignWebhook;
/** @deprecated import from '@licenzy-gate/mock' */
export const runMockCli = mockRunMockCli;

/** @deprecated import from '@licenzy-gate/mock' */
export type MockLicenzy = mock.MockLicenzy;
/** @deprecated import from '@licenzy-gate/mock' */
export type MockModeOption = mock.MockModeOption;
/** @deprecated import from '@licenzy-gate/mock' */
export type MockLicenzyOptions = mock.MockLicenzyOptions;
/** @deprecated use `LicenzyMode` from '@licenzy-gate/core' */
export type MockMode = mock.MockMode;
/** @deprecated import from '@licenzy-gate/mock' */
export type EntitlementKind = mock.EntitlementKind;
/** @deprecated import from '@licenzy-gate/mock' */
export type EntitlementStatus = mock.EntitlementStatus;
/** @deprecated import from '@licenzy-gate/mock' */
export type MockEntitlement = mock.MockEntitlement;
/** @deprecated import from '@licenzy-gate/mock' */
export type MockEntitlementInput = mock.MockEntitlementInput;
/** @deprecated import from '@licenzy-gate/mock' */
export type AvailabilityReason = mock.AvailabilityReason;
/** @deprecated import from '@licenzy-gate/mock' */
export type MockFault = mock.MockFault;
/** @deprecated import from '@licenzy-gate/mock' */
export type MockFaultHandle = mock.MockFaultHandle;
/** @deprecated import from '@licenzy-gate/mock' */
export type MockFaultOptions = mock.MockFaultOptions;
/** @deprecated import from '@licenzy-gate/mock' */
export type MockRequestLogEntry = mock.MockRequestLogEntry;
/** @deprecated import from '@licenzy-gate/mock' */
export type MockActiveFault = mock.MockActiveFault;
/** @deprecated import from '@licenzy-gate/mock' */
export type MockSubject = mock.MockSubject;
/** @deprecated import from '@licenzy-gate/mock' */
export type MockCallEvent = mock.MockCallEvent;
/** @deprecated import from '@licenzy-gate/mock' */
export type MockWebhookDelivery = mock.MockWebhookDelivery;
/** @deprecated import from '@licenzy-gate/mock' */
export type MockWebhookPayload = mock.MockWebhookPayload;
/** @deprecated import from '@licenzy-gate/mock' */
export type MockWebhookTarget = mock.MockWebhookTarget;
/** @deprecated import from '@licenzy-gate/mock' */
export type MockWebhookType = mock.MockWebhookType;
/** @deprecated import from '@licenzy-gate/mock' */
export type MockCliIo = mock.MockCliIo;
