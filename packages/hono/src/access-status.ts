// The Hono post-checkout status route (long poll).
import { createAccessStatus, type AccessStatusOptions } from '@licenzy-gate/core/adapter';
import type { Context, Handler } from 'hono';
import { subjectFromContext } from './subject.js';

/** Options of {@link accessStatus}: `gate`, `subject`, `wait` (ms, default 5000), `retryAfter` (s, default 1), `logger`. */
export type HonoAccessStatusOptions = AccessStatusOptions<Context>;

/**
 * A handler for the page checkout returns to, which polls it: `200 {"allowed":true}` as soon as the logged-in subject
 * has access (a webhook or `invalidate()` answers at once), else `202 {"allowed":false}` with `Retry-After` after
 * waiting up to `wait` server-side. 401 without a subject, 503 while Licenzy fails. Nothing in the request can grant.
 *
 * @throws {LicenzyConfigError} at setup, naming the invalid option.
 * @example
 * app.get('/api/access-status', accessStatus({ gate, wait: 5_000 }))
 */
export function accessStatus(options?: HonoAccessStatusOptions): Handler {
  const route = createAccessStatus<Context>(options, subjectFromContext);
  return async function licenzyAccessStatus(c: Context): Promise<Response> {
    const reply = await route.reply(c, c.req.raw.signal);
    return new Response(JSON.stringify(reply.body), { status: reply.status, headers: reply.headers });
  };
}
