// Type tests: the instrumentation is a standard OpenTelemetry Instrumentation, and its options are checked.
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { describe, expectTypeOf, it } from 'vitest';
import { LicenzyGateInstrumentation, type LicenzyGateInstrumentationConfig, type RefusalCode } from '../src/index.js';

describe('LicenzyGateInstrumentation types', () => {
  it('fits registerInstrumentations()', () => {
    expectTypeOf(new LicenzyGateInstrumentation()).toMatchTypeOf<Instrumentation<LicenzyGateInstrumentationConfig>>();
  });

  it('takes only its documented options', () => {
    expectTypeOf<LicenzyGateInstrumentationConfig>().toMatchTypeOf<{ enabled?: boolean; featureFlagEvents?: boolean; requestSpanAttributes?: boolean }>();
    // @ts-expect-error an unknown option is a type error
    new LicenzyGateInstrumentation({ recordSubjects: true });
  });

  it('names refusals as the problem+json codes do', () => {
    expectTypeOf<RefusalCode>().toEqualTypeOf<'subject_required' | 'subject_invalid' | 'access_denied' | 'access_unavailable' | 'access_misconfigured'>();
  });
});
