// The Koa post-checkout status route (long poll) and the on-demand entitlement summary of a request.
import { type CustomerAccess } from '@licenzy-gate/core';
import { createAccessStatus, loadCustomerAccess, type AccessStatusOptions, type CustomerAccessForOptions } from '@licenzy-gate/core/adapter';
import type { Context, Middleware } from 'koa';
import { subjectFromRequest } from './subject.js';

/** Options of the Koa {@link accessStatus}: `gate`, `subject`, `wait` (ms, default 5000), `retryAfter` (s, default 1), `logger`. */
export type KoaAccessStatusOptions = AccessStatusOptions<Context>;

/**
 * Middleware answering the polling of the page checkout returns to: `200 {"allowed":true}` as soon as the subject
 * (from server-side auth, `ctx.state.user`) has access — a webhook or `invalidate()` answers at once — else
 * `202 {"allowed":false}` with `Retry-After` after waiting up to `wait`. 401 without a subject, 503 while Licenzy
 * fails. Nothing in the request can grant.
 *
 * @throws {LicenzyConfigError} at setup, naming the bad option.
 * @example
 * router.get('/api/access-status', accessStatus({ gate, wait: 5_000 }))
 */
export function accessStatus(options?: KoaAccessStatusOptions): Middleware {
  const route = createAccessStatus<Context>(options, subjectFromRequest);
  return async function licenzyAccessStatus(ctx: Context): Promise<void> {
    const controller = new AbortController();
    const abort = () => controller.abort();
    ctx.res.once('close', abort);
    const reply = await route.reply(ctx, controller.signal);
    ctx.res.off('close', abort);
    ctx.status = reply.status;
    ctx.body = reply.body;
    ctx.set(reply.headers);
  };
}

/**
 * Loads the entitlement summary of the request's subject on demand (`gate.customerAccess()`: cached with the
 * decision TTLs, unknown fields kept), e.g. to show `usage_remaining` or `expires_at`. Never on the hot path of
 * `requireAccess()`. Rejects with the gate's typed errors (401 without a subject).
 *
 * @example
 * router.get('/account', requireAccess({ gate }), async (ctx) => {
 *   ctx.body = (await customerAccessFor(ctx, { gate })).entitlements
 * })
 */
export function customerAccessFor(ctx: Context, options?: CustomerAccessForOptions<Context>): Promise<CustomerAccess> {
  return loadCustomerAccess(ctx, options, subjectFromRequest);
}
