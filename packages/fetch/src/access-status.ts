// The post-checkout status route (long poll) as a fetch handler.
import { createAccessStatus, type AccessStatusOptions } from '@licenzy-gate/core/adapter';
import { noDefaultSubject, requiredSubject } from './subject.js';

/** Options of {@link accessStatus}: `subject` (required), `gate`, `wait` (ms, default 5000), `retryAfter` (s, default 1), `logger`. */
export type FetchAccessStatusOptions = AccessStatusOptions<Request> & { subject: (request: Request) => unknown };

/**
 * A fetch handler for the page checkout returns to, which polls it: `200 {"allowed":true}` as soon as the logged-in
 * subject has access (a webhook or `invalidate()` answers at once), else `202 {"allowed":false}` with `Retry-After`
 * after waiting up to `wait` server-side. 401 without a subject, 503 while Licenzy fails. The request's `signal`
 * (the client went away) ends its wait. Nothing in the request can grant: the subject comes from server-side auth.
 *
 * @throws {LicenzyConfigError} at setup, naming the invalid option.
 * @example
 * export const GET = accessStatus({ gate, subject: sessionUserId, wait: 5_000 })
 */
export function accessStatus(options: FetchAccessStatusOptions): (request: Request) => Promise<Response> {
  requiredSubject<Request>(options);
  const route = createAccessStatus<Request>(options, noDefaultSubject);
  return async function licenzyAccessStatus(request: Request): Promise<Response> {
    const reply = await route.reply(request, request.signal);
    return new Response(JSON.stringify(reply.body), { status: reply.status, headers: reply.headers });
  };
}
