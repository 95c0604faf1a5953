// Tests runConformance itself: it runs every published suite by default, and a suite the target cannot serve fails.
import { describe, expect, it } from 'vitest';
import { conformanceCases, conformanceSuites, harnessTarget, meteredConformanceCases, refusalConformanceCases, resolverConformanceCases, runConformance, statusConformanceCases, usageConformanceCases } from '../src/index.js';
import { startLocalLicenzy } from '../src/index.js';

describe('runConformance', () => {
  it('names every published case list as a suite', () => {
    expect(conformanceSuites).toEqual({
      access: conformanceCases,
      resolver: resolverConformanceCases,
      refusal: refusalConformanceCases,
      usage: usageConformanceCases,
      metered: meteredConformanceCases,
      status: statusConformanceCases,
    });
  });

  it('fails (never skips) every harness case when the target has no mount for it', async () => {
    const licenzy = await startLocalLicenzy();
    try {
      const results = await runConformance(harnessTarget(licenzy.mock, {}), { suites: ['status', 'metered'] });
      expect(results).toHaveLength(statusConformanceCases.length + meteredConformanceCases.length);
      expect(results.every((result) => !result.ok)).toBe(true);
      expect(results[0]).toMatchObject({ suite: 'status', error: expect.stringMatching(/no mountStatus\(\).*'status' suite/) });
    } finally {
      await licenzy.close();
    }
  });

  it('runs every suite by default, in order', async () => {
    const licenzy = await startLocalLicenzy();
    try {
      const results = await runConformance(harnessTarget(licenzy.mock, {}));
      const total = Object.values(conformanceSuites).reduce((sum, cases) => sum + cases.length, 0);
      expect(results).toHaveLength(total);
      expect([...new Set(results.map((result) => result.suite))]).toEqual(['access', 'resolver', 'refusal', 'usage', 'metered', 'status']);
    } finally {
      await licenzy.close();
    }
  }, 30_000);

  it('refuses an unknown suite', async () => {
    const licenzy = await startLocalLicenzy();
    try {
      await expect(runConformance(harnessTarget(licenzy.mock, {}), { suites: ['acess' as 'access'] })).rejects.toThrow(/unknown suite "acess"/);
    } finally {
      await licenzy.close();
    }
  });
});
