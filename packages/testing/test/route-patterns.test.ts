// The coverage check's patterns: methods, `*` within a segment, `**` across segments, everything else literal.
import { describe, expect, it } from 'vitest';
import { parseRoutePattern, routePatternMatches } from '../src/index.js';

const matches = (pattern: string, method: string, path: string) => routePatternMatches(parseRoutePattern(pattern), { method, path });

describe('route patterns', () => {
  it('`*` stays within a segment, `**` crosses them, a trailing `/**` covers the bare prefix', () => {
    expect(matches('/pro/*', 'GET', '/pro/report')).toBe(true);
    expect(matches('/pro/*', 'GET', '/pro/a/b')).toBe(false);
    expect(matches('/pro/**', 'GET', '/pro/a/b')).toBe(true);
    expect(matches('/pro/**', 'GET', '/pro')).toBe(true);
    expect(matches('/pro/**', 'GET', '/product')).toBe(false);
    expect(matches('/**/export', 'GET', '/a/b/export')).toBe(true);
  });

  it('a method names that method (GET also its HEAD); none or `*` names any; a `*` route is named by any', () => {
    expect(matches('GET /x', 'GET', '/x')).toBe(true);
    expect(matches('get /x', 'HEAD', '/x')).toBe(true);
    expect(matches('GET /x', 'POST', '/x')).toBe(false);
    expect(matches('/x', 'DELETE', '/x')).toBe(true);
    expect(matches('* /x', 'PUT', '/x')).toBe(true);
    expect(matches('POST /x', '*', '/x')).toBe(true);
  });

  it('route syntax is literal: a pattern names the route as declared', () => {
    expect(matches('/users/:id', 'GET', '/users/:id')).toBe(true);
    expect(matches('/users/:id', 'GET', '/users/42')).toBe(false);
    expect(matches('/files{/:name}', 'GET', '/files{/:name}')).toBe(true);
    expect(matches('/a.b', 'GET', '/aXb')).toBe(false);
  });

  it('refuses a pattern without a path', () => {
    expect(() => parseRoutePattern('GET pro')).toThrow(/expected '\[METHOD\] \/path'/);
  });
});
