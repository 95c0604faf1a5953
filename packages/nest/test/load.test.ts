// Under load over real HTTP on both platforms: 1,000 concurrent cold requests make one Licenzy call; 100 concurrent
// metered requests against 50 units are 50 served and 50 × 402, charged exactly.
import { Agent, request as httpRequest } from 'node:http';
import { Controller, Get, HttpCode, Module, Post } from '@nestjs/common';
import { uniqueSubject, useLocalLicenzy } from '@licenzy-gate/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LicenzyModule, RequireAccess, RequireUsage, type LicenzyGate } from '../src/index.js';
import { platforms, startApp, type RunningApp } from './serve.js';

@Controller()
class LoadController {
  @Get('pro') @RequireAccess() pro() { return 'pro'; }
  @Post('metered') @HttpCode(200) @RequireUsage({ units: 1 }) metered() { return 'charged'; }
}

/** Sends `count` requests at once through `sockets` keep-alive sockets (a fixed pool, not 1,000 connects at once). */
async function burst(url: string, method: 'GET' | 'POST', subject: string, count: number): Promise<number[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 100 });
  const one = () =>
    new Promise<number>((resolve, reject) => {
      const outgoing = httpRequest(url, { method, agent, headers: { 'x-demo-user': subject } }, (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      });
      outgoing.on('error', reject);
      outgoing.end();
    });
  try {
    return await Promise.all(Array.from({ length: count }, one));
  } finally {
    agent.destroy();
  }
}

const tally = (statuses: number[]) => statuses.reduce<Record<number, number>>((counts, status) => ({ ...counts, [status]: (counts[status] ?? 0) + 1 }), {});

describe.each(platforms)('under load on $platform', (platform) => {
  // Latency keeps the first Licenzy call in flight while the rest of the burst arrives, so they overlap.
  const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach }, mock: { latency: 300 }, gate: { retries: 0, maxConcurrent: 100 } });
  let running: RunningApp;
  let gate: LicenzyGate;

  beforeAll(async () => {
    gate = licenzy.gate();
    @Module({ imports: [LicenzyModule.forRoot({ gate })], controllers: [LoadController] })
    class LoadModule {}
    running = await startApp(platform, { imports: [LoadModule] });
  });
  afterAll(async () => {
    await running?.close();
  });

  it('coalesces 1,000 concurrent cold requests into one Licenzy call', async () => {
    const subject = uniqueSubject('burst');
    licenzy.mock.grant(subject);
    const before = licenzy.mock.count('POST /v1/access/check');
    const coalescedBefore = gate.stats().coalesced;
    const statuses = await burst(`${running.url}/pro`, 'GET', subject, 1_000);
    expect(tally(statuses)).toEqual({ 200: 1_000 });
    expect(licenzy.mock.count('POST /v1/access/check') - before).toBe(1);
    // They overlapped: most joined the call in flight rather than hitting the cache after it.
    expect(gate.stats().coalesced - coalescedBefore).toBeGreaterThan(50);
  }, 30_000);

  it('serves exactly 50 of 100 concurrent metered requests against 50 units, and answers 402 to the other 50', async () => {
    licenzy.mock.setLatency(5);
    const subject = uniqueSubject('pack');
    licenzy.mock.grant(subject, { kind: 'usage_pack', usageRemaining: 50 });
    const statuses = await burst(`${running.url}/metered`, 'POST', subject, 100);
    expect(tally(statuses)).toEqual({ 200: 50, 402: 50 });
    expect(licenzy.mock.entitlements(subject).reduce((sum, e) => sum + (e.usageRemaining ?? 0), 0)).toBe(0);
  }, 30_000);
});
