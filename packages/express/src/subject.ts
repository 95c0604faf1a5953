// The default subject resolver: reads only the identity that server-side auth middleware put on the request.
import { identityField as field, identityFieldOfOwnClass as requestField } from '@licenzy-gate/core/adapter';
import type { Request } from 'express';

/**
 * The subject `requireAccess()` uses when no `subject` option is given. Looks, in this order, at
 * 1. `req.user.id` (Passport and most session logins),
 * 2. `req.user.sub` (a user object holding JWT claims),
 * 3. `req.auth.sub` (express-jwt),
 * 4. `req.auth.payload.sub` (express-oauth2-jwt-bearer),
 *
 * and returns the first one that is set (not `undefined` or `null`) as is, or `undefined` when none is,
 * which the guard answers with 401 `subject_required`. It never reads headers, the query string, the
 * body or cookies: those are client input, and a client must not choose whose entitlement is checked.
 * Numbers are returned raw; the core accepts non-negative safe integers.
 *
 * @example
 * // Bill the team owner when a team is selected, else fall back to the default lookup.
 * app.use(requireAccess({ subject: (req) => req.team?.ownerId ?? subjectFromAuth(req) }))
 */
export function subjectFromRequest(req: Request): unknown {
  // `req`'s own fields by `requestField` (Reflect.get): each Express request has a hidden class of its own (issue 25).
  const user = requestField(req, 'user');
  const fromUser = field(user, 'id') ?? field(user, 'sub');
  if (fromUser !== undefined && fromUser !== null) return fromUser;
  // Read only when `req.user` has no subject: a read of a property `req` lacks walks its whole prototype chain.
  const auth = requestField(req, 'auth');
  return field(auth, 'sub') ?? field(field(auth, 'payload'), 'sub');
}

/**
 * @deprecated The same function under its old name: use {@link subjectFromRequest} (one name in every adapter).
 */
export const subjectFromAuth = subjectFromRequest;
