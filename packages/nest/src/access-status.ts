// The post-checkout status route (long poll) and the on-demand entitlement summary, for a Nest controller.
import { type CustomerAccess } from '@licenzy-gate/core';
import { createAccessStatus, loadCustomerAccess, type AccessStatusOptions, type CustomerAccessForOptions } from '@licenzy-gate/core/adapter';
import { rawResponse, send } from './respond.js';
import { subjectFromRequest } from './subject.js';

/** Options of {@link accessStatus}: `gate`, `subject`, `wait` (ms, default 5000), `retryAfter` (s, default 1), `logger`. */
export type NestAccessStatusOptions = AccessStatusOptions<object>;

/**
 * A handler for the page checkout returns to, which polls it: `200 {"allowed":true}` as soon as the logged-in subject
 * has access (a webhook or `invalidate()` answers at once), else `202 {"allowed":false}` with `Retry-After` after
 * waiting up to `wait` server-side. 401 without a subject, 503 while Licenzy fails. Call it from a handler that takes
 * `@Req()` and `@Res()` (so Nest leaves the response to it), on either platform. Nothing in the request grants.
 *
 * @throws {LicenzyConfigError} at setup, naming the invalid option.
 * @example
 * @Controller('api')
 * class AccessStatusController {
 *   private readonly status: ReturnType<typeof accessStatus>
 *   constructor(@Inject(LICENZY_GATE) gate: LicenzyGate) { this.status = accessStatus({ gate, wait: 5_000 }) }
 *   @Get('access-status') poll(@Req() req: object, @Res() res: object) { return this.status(req, res) }
 * }
 */
export function accessStatus(options?: NestAccessStatusOptions): (request: object, response: object) => Promise<void> {
  const route = createAccessStatus<object>(options, subjectFromRequest);
  return async function licenzyAccessStatus(request: object, response: object): Promise<void> {
    // The client leaving ends its wait; the subject's loop goes on for other tabs.
    const controller = new AbortController();
    rawResponse(response).once('close', () => controller.abort());
    const reply = await route.reply(request, controller.signal);
    send(response, reply.status, reply.headers, JSON.stringify(reply.body));
  };
}

/**
 * Loads the entitlement summary of the request's subject on demand (`gate.customerAccess()`: cached with the decision
 * TTLs), e.g. to show `usage_remaining`. Never on the hot path of `@RequireAccess()`. Rejects with the gate's typed
 * errors (401 without a subject).
 *
 * @example
 * @Get('account') account(@Req() req: object) { return customerAccessFor(req, { gate: this.gate }) }
 */
export function customerAccessFor(request: object, options?: CustomerAccessForOptions<object>): Promise<CustomerAccess> {
  return loadCustomerAccess(request, options, subjectFromRequest);
}
