// Unit tests of subjectFromAuth(), the default subject resolver: its lookup order and what it never reads.
import { describe, expect, it } from 'vitest';
import { subjectFromAuth } from '@licenzy-gate/koa';
import type { Context } from 'koa';

/** A ctx with this state, and client input everywhere the resolver must not look. */
const ctxWith = (state: Record<string, unknown>) =>
  ({
    state,
    headers: { 'x-user-id': 'spoofed', authorization: 'Bearer spoofed' },
    query: { subject_ref: 'spoofed' },
    request: { body: { subject_ref: 'spoofed' } },
    cookies: { get: () => 'spoofed' },
  }) as unknown as Context;

describe('subjectFromAuth', () => {
  it.each([
    ['ctx.state.user.id first', { user: { id: 'u_id', sub: 'u_sub' }, auth: { sub: 'a_sub' } }, 'u_id'],
    ['ctx.state.user.sub when the user has no id', { user: { sub: 'u_sub' }, auth: { sub: 'a_sub' } }, 'u_sub'],
    ['ctx.state.user.sub when user.id is null', { user: { id: null, sub: 'u_sub' } }, 'u_sub'],
    ['ctx.state.auth.sub when there is no user', { auth: { sub: 'a_sub' } }, 'a_sub'],
    ['a numeric id as is', { user: { id: 42 } }, 42],
    ['a non-string id as is, for the core to reject', { user: { id: { nested: true } } }, { nested: true }],
  ])('returns %s', (_label, state, expected) => {
    expect(subjectFromAuth(ctxWith(state))).toEqual(expected);
  });

  it.each([
    ['empty state', {}],
    ['a user without id or sub', { user: { name: 'Ada' } }],
    ['a null user and auth', { user: null, auth: null }],
    // Regression: optional chaining read String.prototype.sub (a function) off a string user.
    ['a string user', { user: 'ada' }],
    ['a string auth', { auth: 'token' }],
    ['other state keys only', { subject: 'x', userId: 'x', session: { userId: 'x' } }],
  ])('returns undefined for %s, never reading headers, query, body or cookies', (_label, state) => {
    expect(subjectFromAuth(ctxWith(state))).toBeUndefined();
  });
});
