// The report-only summary: at most one line per window on the injected clock, counts by code and route, bounded routes.
import { describe, expect, it } from 'vitest';
import { captureLogger } from '@licenzy-gate/testing';
import { MAX_SUMMARY_ROUTES, OTHER_ROUTES, createReportSummary } from '../src/report-summary.js';
import { createClock } from './fake-checker.js';

function setup() {
  const clock = createClock(1_000);
  const logger = captureLogger();
  const timers: Array<{ flush: () => void; ms: number }> = [];
  const summary = createReportSummary({ now: clock.now, logger, setTimer: (flush, ms) => void timers.push({ flush, ms }) });
  return { clock, logger, timers, summary };
}

describe('createReportSummary', () => {
  it('logs the first report at once, then at most one line per minute with what the window held', () => {
    const { clock, logger, summary } = setup();
    summary.refused('GET /pro', 'access_denied');
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]?.message).toBe('report-only: 1 request on 1 route would have been refused (access_denied 1); top: GET /pro (1)');
    for (let i = 0; i < 5; i++) summary.refused('GET /pro', 'access_denied');
    summary.refused('POST /reports', 'usage_exhausted');
    clock.advance(59_999);
    summary.refused('GET /pro/:id', 'subject_required');
    expect(logger.lines).toHaveLength(1);
    clock.advance(1);
    summary.refused('GET /pro', 'access_denied');
    expect(logger.lines).toHaveLength(2);
    expect(logger.lines[1]?.details).toEqual({
      requests: 8,
      routes: 3,
      byCode: { access_denied: 6, usage_exhausted: 1, subject_required: 1 },
      topRoutes: [{ route: 'GET /pro', requests: 6 }, { route: 'POST /reports', requests: 1 }, { route: 'GET /pro/:id', requests: 1 }],
      skippedChecks: 0,
    });
    expect(logger.lines[1]?.message).toContain('8 requests on 3 routes would have been refused');
  });

  it('flushes the last window when its timer fires on the gate clock, and goes quiet after an empty one', () => {
    const { clock, logger, timers, summary } = setup();
    summary.refused('GET /pro', 'access_denied');
    summary.refused('GET /pro', 'access_denied');
    summary.skipped();
    expect(timers).toHaveLength(1);
    expect(timers[0]?.ms).toBe(60_000);
    // A timer that fires early (by the gate's clock) re-arms for the rest of the window and logs nothing.
    clock.advance(30_000);
    timers.shift()?.flush();
    expect(logger.lines).toHaveLength(1);
    expect(timers[0]?.ms).toBe(30_000);
    clock.advance(30_000);
    timers.shift()?.flush();
    expect(logger.lines).toHaveLength(2);
    expect(logger.lines[1]?.details).toMatchObject({ requests: 1, skippedChecks: 1 });
    expect(logger.lines[1]?.message).toContain('1 background checks skipped');
    // The next window held nothing: no line, and the next report is logged at once again.
    clock.advance(60_000);
    timers.shift()?.flush();
    expect(logger.lines).toHaveLength(2);
    summary.refused('GET /pro', 'access_unavailable');
    expect(logger.lines).toHaveLength(3);
  });

  it('a clock stepped back before the window ends it rather than hold the counts for good', () => {
    const { clock, logger, summary } = setup();
    summary.refused('GET /pro', 'access_denied');
    clock.advance(-10_000);
    summary.refused('GET /pro', 'access_denied');
    expect(logger.lines).toHaveLength(2);
  });

  it(`counts at most ${MAX_SUMMARY_ROUTES} routes per window, the rest under one key (a flood of patterns stays bounded)`, () => {
    const { clock, logger, summary } = setup();
    summary.refused('GET /first', 'access_denied');
    for (let i = 0; i < MAX_SUMMARY_ROUTES + 50; i++) summary.refused(`GET /r${i}`, 'access_denied');
    clock.advance(60_000);
    summary.refused('GET /last', 'access_denied');
    const details = logger.lines[1]?.details as { routes: number; requests: number; topRoutes: Array<{ route: string; requests: number }> };
    expect(details.routes).toBe(MAX_SUMMARY_ROUTES + 1);
    expect(details.requests).toBe(MAX_SUMMARY_ROUTES + 51);
    expect(details.topRoutes[0]).toEqual({ route: OTHER_ROUTES, requests: 51 });
  });

  it('a logger that throws never reaches the caller', () => {
    const summary = createReportSummary({ now: () => 0, logger: { warn: () => { throw new Error('down'); }, error: () => undefined }, setTimer: () => undefined });
    expect(() => summary.refused('GET /pro', 'access_denied')).not.toThrow();
  });
});
