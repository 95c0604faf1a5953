// Mount coverage and the route verdict: certain only when every request to the route passes the gate's mount.
import { describe, expect, it } from 'vitest';
import { mountCovers, pathSegments, routeVerdict, type GateOnTheWay } from '../src/adapter.js';

const covers = (mount: string, route: string) => mountCovers(pathSegments(mount), pathSegments(route));
const access = { kind: 'access', reportOnly: false } as const;

describe('mountCovers', () => {
  it('literal prefixes by whole segments, without letter case', () => {
    expect(covers('/', '/anything')).toBe('yes');
    expect(covers('/pro', '/pro/report')).toBe('yes');
    expect(covers('/pro', '/PRO/report')).toBe('yes');
    expect(covers('/pro', '/pro')).toBe('yes');
    expect(covers('/pro', '/product')).toBe('no');
    expect(covers('/pro/x', '/pro')).toBe('no');
  });

  it('a parameter in the mount covers any one segment; pattern syntax it cannot settle is maybe', () => {
    expect(covers('/teams/:team', '/teams/:team/files')).toBe('yes');
    expect(covers('/teams/:team', '/teams/acme/files')).toBe('yes');
    expect(covers('/pro', '/:section/x')).toBe('maybe');
    expect(covers('/pro', '/*splat')).toBe('maybe');
    expect(covers('/teams/:team?', '/teams/a')).toBe('maybe');
  });
});

describe('routeVerdict', () => {
  const gate = (coverage: GateOnTheWay['coverage'], extra: Partial<GateOnTheWay> = {}): GateOnTheWay => ({ mark: access, via: 'app', coverage, ...extra });

  it('the first certain enforcing gate wins over a report-only one; uncertain alone is unknown; nothing is null', () => {
    expect(routeVerdict([gate('yes', { mark: { kind: 'usage', reportOnly: true } }), gate('yes', { via: 'route' })])).toEqual({ gate: 'access', reportOnly: false, via: 'route' });
    expect(routeVerdict([gate('maybe', { note: 'regex' }), gate('no')])).toEqual({ gate: 'unknown', reportOnly: false, via: 'app', note: 'regex' });
    expect(routeVerdict([gate('no')])).toEqual({ gate: null, reportOnly: false, via: null });
  });
});
