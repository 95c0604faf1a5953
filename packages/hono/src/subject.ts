// The default subject resolver of the Hono adapter: only what server-side auth middleware set on the context.
import { identityField as field } from '@licenzy-gate/core/adapter';
import type { Context } from 'hono';

/**
 * The subject `requireAccess()` uses when no `subject` option is given. Looks, in this order, at
 * 1. `c.get('user').id` (a session middleware's user),
 * 2. `c.get('user').sub` (a user object holding JWT claims),
 * 3. `c.get('jwtPayload').sub` (`hono/jwt` after verifying the token),
 *
 * and returns the first one set, or `undefined` (401 `subject_required`). It never reads headers, the query, the body
 * or cookies: those are client input, and a client must not choose whose entitlement is checked.
 *
 * @example
 * app.use('/pro/*', requireAccess({ subject: (c) => c.get('team')?.ownerId ?? subjectFromContext(c) }))
 */
export function subjectFromContext(c: Context): unknown {
  const user: unknown = c.get('user' as never);
  const jwt: unknown = c.get('jwtPayload' as never);
  return field(user, 'id') ?? field(user, 'sub') ?? field(jwt, 'sub');
}
