// The default subject resolver: reads only the identity that server-side auth middleware put on ctx.state.
import { identityField as field } from '@licenzy-gate/core/adapter';
import type { Context } from 'koa';

/**
 * The subject `requireAccess()` uses when no `subject` option is given. Looks, in this order, at
 * 1. `ctx.state.user.id` (koa-passport and most session logins),
 * 2. `ctx.state.user.sub` (koa-jwt, which puts the token's claims on `ctx.state.user`),
 * 3. `ctx.state.auth.sub` (auth middleware that keeps claims under `ctx.state.auth`),
 *
 * and returns the first one that is set (not `undefined` or `null`) as is, or `undefined` when none is,
 * which the guard answers with 401 `subject_required`. It never reads headers, the query string, the
 * body or cookies: those are client input, and a client must not choose whose entitlement is checked.
 * Numbers are returned raw; the core accepts non-negative safe integers.
 *
 * @example
 * // Bill the team owner when a team is selected, else fall back to the default lookup.
 * router.get('/pro', requireAccess({ subject: (ctx) => ctx.state.team?.ownerId ?? subjectFromAuth(ctx) }), handler)
 */
export function subjectFromRequest(ctx: Context): unknown {
  const state: unknown = ctx.state;
  const user = field(state, 'user');
  const auth = field(state, 'auth');
  return field(user, 'id') ?? field(user, 'sub') ?? field(auth, 'sub');
}

/**
 * @deprecated The same function under its old name: use {@link subjectFromRequest} (one name in every adapter).
 */
export const subjectFromAuth = subjectFromRequest;
