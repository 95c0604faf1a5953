// The default subject lookup: server-side identity only, in the documented order, raw values.
import { describe, expect, it } from 'vitest';
import type { Request } from 'express';
import { subjectFromAuth } from '../src/subject.js';

const req = (fields: Record<string, unknown>) => fields as unknown as Request;

describe('subjectFromAuth', () => {
  it.each<[string, Record<string, unknown>, unknown]>([
    ['req.user.id first', { user: { id: 'u_id', sub: 'u_sub' }, auth: { sub: 'a_sub', payload: { sub: 'p_sub' } } }, 'u_id'],
    ['req.user.sub when the user has no id', { user: { sub: 'u_sub' }, auth: { sub: 'a_sub' } }, 'u_sub'],
    ['req.auth.sub (express-jwt) without a user', { auth: { sub: 'a_sub', payload: { sub: 'p_sub' } } }, 'a_sub'],
    ['req.auth.payload.sub (express-oauth2-jwt-bearer) last', { auth: { payload: { sub: 'p_sub' }, token: 'jwt' } }, 'p_sub'],
    ['past null values to the next place', { user: { id: null, sub: null }, auth: { sub: null, payload: { sub: 'p_sub' } } }, 'p_sub'],
  ])('reads %s', (_where, fields, expected) => {
    expect(subjectFromAuth(req(fields))).toBe(expected);
  });

  it('reads req.auth only when req.user gives no subject (a miss on Express walks the request\'s prototype chain)', () => {
    let reads = 0;
    const withUser = (user: object) => Object.defineProperty({ user }, 'auth', { get: () => ((reads += 1), { sub: 'a_sub' }) });
    expect([subjectFromAuth(req(withUser({ id: 'u_id' }))), reads]).toEqual(['u_id', 0]);
    expect([subjectFromAuth(req(withUser({}))), reads]).toEqual(['a_sub', 1]);
  });

  it('returns a numeric id as is (the core turns it into a string)', () => {
    expect(subjectFromAuth(req({ user: { id: 7 } }))).toBe(7);
  });

  it('returns a set but unusable id as is, so the guard answers 400 rather than trying the next place', () => {
    const id = { nested: true };
    expect(subjectFromAuth(req({ user: { id }, auth: { sub: 'a_sub' } }))).toBe(id);
  });

  it('returns undefined for an anonymous request', () => {
    expect(subjectFromAuth(req({}))).toBeUndefined();
    expect(subjectFromAuth(req({ user: undefined, auth: undefined }))).toBeUndefined();
  });

  it('tolerates non-object user and auth values', () => {
    expect(subjectFromAuth(req({ user: 'alice', auth: 42 }))).toBeUndefined();
    expect(subjectFromAuth(req({ user: null, auth: { payload: 'token' } }))).toBeUndefined();
  });

  it('ignores client input: headers, query, body, cookies, params', () => {
    const fields = {
      headers: { 'x-user-id': 'h', authorization: 'Bearer h' },
      query: { user: 'q', sub: 'q' },
      body: { user: { id: 'b' }, sub: 'b' },
      cookies: { user: 'c' },
      signedCookies: { user: 'c' },
      params: { id: 'p' },
    };
    expect(subjectFromAuth(req(fields))).toBeUndefined();
  });
});
