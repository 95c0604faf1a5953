// The Express post-checkout status route (long poll) and the on-demand entitlement summary of a request.
import { type CustomerAccess } from '@licenzy-gate/core';
import { createAccessStatus, loadCustomerAccess, type AccessStatusOptions, type CustomerAccessForOptions } from '@licenzy-gate/core/adapter';
import type { Request, Response } from 'express';
import { subjectFromRequest } from './subject.js';

/** Options of {@link accessStatus}: `gate`, `subject`, `wait` (ms, default 5000), `retryAfter` (s, default 1), `logger`. */
export type ExpressAccessStatusOptions = AccessStatusOptions<Request>;

/**
 * A handler for the page checkout returns to, which polls it: `200 {"allowed":true}` as soon as the logged-in
 * subject has access (a webhook or `invalidate()` for the subject answers at once), else `202 {"allowed":false}`
 * with `Retry-After` after waiting up to `wait` server-side. 401 without a subject, 503 while Licenzy fails.
 * Nothing in the request — query, body, headers — can grant: the subject comes from server-side auth.
 *
 * @throws {LicenzyConfigError} at setup, naming the invalid option.
 * @example
 * app.get('/api/access-status', accessStatus({ gate, wait: 5_000 }))
 * // the success page: while ((await fetch('/api/access-status')).status === 202) {}
 */
export function accessStatus(options?: ExpressAccessStatusOptions): (req: Request, res: Response) => void {
  const route = createAccessStatus<Request>(options, subjectFromRequest);
  return function licenzyAccessStatus(req: Request, res: Response): void {
    // The client leaving ends its wait; the subject's loop goes on for other tabs.
    const controller = new AbortController();
    res.once('close', () => controller.abort());
    void route.reply(req, controller.signal).then((reply) => {
      if (res.headersSent || res.destroyed) return;
      res.status(reply.status).set(reply.headers).send(JSON.stringify(reply.body));
    });
  };
}

/**
 * Loads the entitlement summary of the request's subject on demand (`gate.customerAccess()`: cached with the
 * decision TTLs, unknown fields kept), e.g. to show `usage_remaining` or `expires_at`. Never on the hot path of
 * `requireAccess()`. Rejects with the gate's typed errors (401 without a subject), for `next(err)`.
 *
 * @example
 * app.get('/account', requireAccess({ gate }), async (req, res) => {
 *   const summary = await customerAccessFor(req, { gate })
 *   res.json(summary.entitlements.map((e) => ({ kind: e.kind, left: e.usage_remaining, until: e.expires_at })))
 * })
 */
export function customerAccessFor(req: Request, options?: CustomerAccessForOptions<Request>): Promise<CustomerAccess> {
  return loadCustomerAccess(req, options, subjectFromRequest);
}
