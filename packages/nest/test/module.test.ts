// LicenzyModule: forRoot/forRootAsync (a config service), the gate injectable by LICENZY_GATE, strict options named
// at setup, and the gate closed on application shutdown.
import { Controller, Get, Inject, Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { uniqueSubject, useLocalLicenzy } from '@licenzy-gate/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LICENZY_GATE, LicenzyConfigError, LicenzyModule, RequireAccess, RequireUsage, type AccessGate } from '../src/index.js';
import { platforms, request, startApp } from './serve.js';

@Injectable()
class ConfigService {
  constructor(private readonly values: Record<string, string>) {}
  getOrThrow(name: string): string {
    const value = this.values[name];
    if (value === undefined) throw new Error(`missing ${name}`);
    return value;
  }
}

@Controller()
class PaidController {
  @Get('pro') @RequireAccess() pro() { return 'pro'; }
}

describe.each(platforms)('LicenzyModule.forRootAsync on $platform', (platform) => {
  const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach } });

  it('builds the gate from a config service and gates with it', async () => {
    @Module({ providers: [{ provide: ConfigService, useValue: new ConfigService({ LICENZY_API_KEY: licenzy.mock.testKey, LICENZY_API_URL: licenzy.mock.url }) }], exports: [ConfigService] })
    class ConfigModule {}
    @Module({
      imports: [
        LicenzyModule.forRootAsync({
          imports: [ConfigModule],
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({ apiKey: config.getOrThrow('LICENZY_API_KEY'), baseUrl: config.getOrThrow('LICENZY_API_URL'), retries: 0 }),
        }),
      ],
      controllers: [PaidController],
    })
    class AppModule {}
    const running = await startApp(platform, { imports: [AppModule] });
    try {
      const subject = uniqueSubject('async');
      licenzy.mock.grant(subject);
      expect((await request(`${running.url}/pro`, subject)).status).toBe(200);
      expect((await request(`${running.url}/pro`, uniqueSubject('none'))).status).toBe(403);
      const gate = running.app.get<AccessGate>(LICENZY_GATE, { strict: false });
      expect(gate.peek(subject)?.allowed).toBe(true);
    } finally {
      await running.close();
    }
  });
});

describe('LicenzyModule options', () => {
  const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach } });

  it('rejects an unknown option with its closest name, and a bad value naming it', () => {
    expect(() => LicenzyModule.forRoot({ gate: licenzy.gate(), delegateErrrors: true } as never)).toThrow(/delegateErrrors.*delegateErrors/s);
    expect(() => LicenzyModule.forRoot({ gate: licenzy.gate(), delegateErrors: 'yes' } as never)).toThrow(LicenzyConfigError);
    expect(() => LicenzyModule.forRoot({ gate: licenzy.gate(), apiKey: licenzy.mock.testKey })).toThrow(/`gate`.*apiKey/);
    expect(() => LicenzyModule.forRoot({ gate: licenzy.gate(), isGlobal: 1 } as never)).toThrow(/isGlobal/);
  });

  it('rejects a route decorator\'s bad options when its class is defined', () => {
    expect(() => RequireAccess({ fresch: true } as never)).toThrow(/fresch.*fresh/s);
    expect(() => RequireAccess({ onUnavailable: 'maybe' } as never)).toThrow(/onUnavailable/);
    expect(() => RequireUsage({ units: 0 })).toThrow(/units/);
    expect(() => RequireUsage({ units: 1, fresh: true } as never)).toThrow(/fresh/);
    expect(() => RequireAccess({ gate: licenzy.gate(), apiKey: licenzy.mock.testKey })).toThrow(/`gate`/);
  });

  it('refuses isGlobal from the async factory (it must be known before the factory runs)', async () => {
    const moduleRef = Test.createTestingModule({ imports: [LicenzyModule.forRootAsync({ useFactory: () => ({ gate: licenzy.gate(), isGlobal: true }) as never })] });
    await expect(moduleRef.compile()).rejects.toThrow(/isGlobal/);
  });

  it('closes a gate it built on shutdown, never one it was given', async () => {
    let closed = 0;
    const built = Object.assign(licenzy.gate(), { close: () => void closed++ });
    // A gate passed in is the caller's: the module leaves it alone even if it can be closed.
    const given = await Test.createTestingModule({ imports: [LicenzyModule.forRoot({ gate: built })] }).compile();
    await given.createNestApplication().init();
    await given.close();
    expect(closed).toBe(0);
    // Built by the module: without a close() (core's gate has none today) shutdown succeeds and nothing is cleared.
    const own = await Test.createTestingModule({ imports: [LicenzyModule.forRoot({ apiKey: licenzy.mock.testKey, baseUrl: licenzy.mock.url })] }).compile();
    const app = own.createNestApplication({ logger: false });
    await app.init();
    const gate = app.get<AccessGate>(LICENZY_GATE);
    const subject = uniqueSubject('kept');
    licenzy.mock.grant(subject);
    await gate.check(subject);
    await app.close();
    expect(gate.peek(subject)?.allowed).toBe(true);
  });

  it('injects the module gate where a provider asks for LICENZY_GATE', async () => {
    const gate = licenzy.gate();
    @Injectable()
    class Billing {
      constructor(@Inject(LICENZY_GATE) readonly gate: AccessGate) {}
    }
    const moduleRef = await Test.createTestingModule({ imports: [LicenzyModule.forRoot({ gate, isGlobal: true })], providers: [Billing] }).compile();
    expect(moduleRef.get(Billing).gate).toBe(gate);
    await moduleRef.close();
  });
});
