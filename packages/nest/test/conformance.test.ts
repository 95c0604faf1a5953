// Runs every suite of the shared conformance mechanism (runConformance) against a real Nest app on both platforms,
// and the mounting check against each documented way to gate a route.
import { Controller, Get, Module, UseGuards, type Type } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { LicenzyGate } from '@licenzy-gate/core';
import { conformanceSuites, mountingVariantsCase, runConformance, useLocalLicenzy } from '@licenzy-gate/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LicenzyGuard, LicenzyModule, RequireAccess } from '../src/index.js';
import { handlerCalls, mountMetered, mountStatus, startConformanceApp } from './conformance-app.js';
import { platforms, startApp, type RunningApp } from './serve.js';

describe.each(platforms)('conformance on $platform', (platform) => {
  // retries 0 keeps outage cases fast; no breaker, since several cases fail Licenzy on purpose; freshInterval 0 as
  // ConformanceTarget asks.
  const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach }, gate: { retries: 0, circuitBreaker: false, freshInterval: 0 } });
  let running: RunningApp;
  let gate: LicenzyGate;

  beforeAll(async () => {
    gate = licenzy.gate();
    running = await startConformanceApp(platform, licenzy, gate);
  });
  afterAll(async () => {
    await running?.close();
  });

  it('passes every conformance suite', async () => {
    const results = await runConformance({
      url: running.url,
      mock: licenzy.mock,
      invalidate: (subjectRef) => void gate.invalidate(subjectRef),
      handlerCalls: (path) => handlerCalls.get(path) ?? 0,
      mountMetered: (caseGate, routes) => mountMetered(platform, caseGate, routes),
      mountStatus: (caseGate, status) => mountStatus(platform, caseGate, status),
    });
    const total = Object.values(conformanceSuites).reduce((sum, cases) => sum + cases.length, 0);
    expect(results.filter((result) => !result.ok)).toEqual([]);
    expect(results).toHaveLength(total);
  }, 60_000);
});

/** One way of gating `GET /downloads/a.pdf`, as the README documents it. */
interface Mounting {
  name: string;
  module(gate: LicenzyGate, controller: Type): Type;
  controller(run: () => string): Type;
}

const MARKER = 'paid-content-7f3a';
const paidHandler = (decorate: MethodDecorator[], classDecorators: ClassDecorator[]) => (run: () => string) => {
  class DownloadsController {
    pdf() {
      return run();
    }
  }
  const descriptor = Object.getOwnPropertyDescriptor(DownloadsController.prototype, 'pdf') as PropertyDescriptor;
  for (const decorator of [Get('a.pdf'), ...decorate].reverse()) decorator(DownloadsController.prototype, 'pdf', descriptor);
  for (const decorator of [Controller('downloads'), ...classDecorators].reverse()) decorator(DownloadsController);
  return DownloadsController;
};
const plainModule = (gate: LicenzyGate, controller: Type) => {
  @Module({ imports: [LicenzyModule.forRoot({ gate })], controllers: [controller] })
  class MountingModule {}
  return MountingModule;
};

const mountings: Mounting[] = [
  { name: '@RequireAccess() on the controller', module: plainModule, controller: paidHandler([], [RequireAccess()]) },
  { name: '@RequireAccess() on the handler', module: plainModule, controller: paidHandler([RequireAccess()], []) },
  { name: '@UseGuards(LicenzyGuard) on the controller', module: plainModule, controller: paidHandler([], [UseGuards(LicenzyGuard)]) },
  {
    name: 'LicenzyGuard as APP_GUARD',
    module: (gate, controller) => {
      @Module({ imports: [LicenzyModule.forRoot({ gate, isGlobal: true })], controllers: [controller], providers: [{ provide: APP_GUARD, useClass: LicenzyGuard }] })
      class GlobalMountingModule {}
      return GlobalMountingModule;
    },
    controller: paidHandler([], []),
  },
];

describe.each(platforms)('mounting variants on $platform', (platform) => {
  const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach }, gate: { retries: 0 } });

  for (const mounting of mountings) {
    it(`${mountingVariantsCase.name}: ${mounting.name}`, async () => {
      let calls = 0;
      const controller = mounting.controller(() => {
        calls++;
        return MARKER;
      });
      const running = await startApp(platform, { imports: [mounting.module(licenzy.gate(), controller)] });
      try {
        await mountingVariantsCase.fn({ url: running.url, mock: licenzy.mock, path: '/downloads/a.pdf', marker: MARKER, handlerCalls: () => calls });
      } finally {
        await running.close();
      }
    }, 30_000);
  }
});
