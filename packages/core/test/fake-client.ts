// A scriptable Licenzy client for the gate's usage and customer-access tests: every operation waits until the test settles it.
import { createAccessGate, type AccessCheckResult, type AccessChecker, type ConsumeUsageResult, type CustomerAccess } from '../src/index.js';
import { createClock } from './fake-checker.js';

export interface Pending<T> {
  args: unknown[];
  resolve(value: T): void;
  reject(error: unknown): void;
}

/** A checker whose every operation waits until the test settles it. */
export function createFakeClient() {
  const checks: Array<Pending<AccessCheckResult>> = [];
  const consumes: Array<Pending<ConsumeUsageResult>> = [];
  const summaries: Array<Pending<CustomerAccess>> = [];
  const hold = <T>(list: Array<Pending<T>>, args: unknown[]) =>
    new Promise<T>((resolve, reject) => void list.push({ args, resolve, reject }));
  const client: Required<Pick<AccessChecker, 'consumeUsage' | 'getCustomerAccess'>> & AccessChecker = {
    mode: 'test',
    checkAccess: (subjectRef) => hold(checks, [subjectRef]),
    consumeUsage: (subjectRef, units, options) => hold(consumes, [subjectRef, units, options.idempotencyKey]),
    getCustomerAccess: (subjectRef) => hold(summaries, [subjectRef]),
  };
  return { client, checks, consumes, summaries };
}

export function setup(options: Parameters<typeof createAccessGate>[0] = {}) {
  const fake = createFakeClient();
  const clock = createClock();
  const gate = createAccessGate({ client: fake.client, now: clock.now, logger: { warn: () => undefined, error: () => undefined }, ...options });
  return { fake, clock, gate };
}

/** A customer-access summary with one usage pack (7 units left) and unknown fields, for the loader to keep. */
export const summary = (subjectRef: string, hasAccess: boolean, extra: Record<string, unknown> = {}): CustomerAccess => ({
  subjectRef,
  hasAccess,
  status: hasAccess ? 'active' : 'inactive',
  entitlements: [{ kind: 'usage_pack', status: 'active', available: hasAccess, usage_remaining: 7, future_field: 'kept', ...extra }],
  raw: { subject_ref: subjectRef, has_access: hasAccess, brand_new: { nested: true } },
});
