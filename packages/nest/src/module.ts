// LicenzyModule: one gate per module instance, its guard and interceptor as providers, the gate closed on shutdown.
import { Inject, Injectable, Module, type DynamicModule, type InjectionToken, type ModuleMetadata, type OnApplicationShutdown, type OptionalFactoryDependency, type Provider } from '@nestjs/common';
import { LicenzyConfigError } from '@licenzy-gate/core';
import { LicenzyGuard } from './guard.js';
import { parseModuleOptions, type LicenzyModuleOptions, type ModuleConfig } from './options.js';
import { LICENZY_GATE, LICENZY_MODULE_OPTIONS } from './tokens.js';
import { LicenzyUsageInterceptor } from './usage-interceptor.js';

/** Options of {@link LicenzyModule.forRootAsync}: the module options from a factory, e.g. over a config service. */
export interface LicenzyModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  /** Providers passed to `useFactory`, in order. */
  inject?: Array<InjectionToken | OptionalFactoryDependency>;
  /** Returns the module options (everything `forRoot()` takes but `isGlobal`). */
  useFactory: (...args: never[]) => Omit<LicenzyModuleOptions, 'isGlobal'> | Promise<Omit<LicenzyModuleOptions, 'isGlobal'>>;
  /** Register the module globally. Default `false`. */
  isGlobal?: boolean;
}

/**
 * Closes the gate the module built when the application shuts down (`app.close()`, or a signal after
 * `app.enableShutdownHooks()`). A gate passed as `gate` is yours to close. Core's gate holds no socket and no timer
 * that keeps the process alive, and has no `close()` today: a gate that has one (a future or a wrapping gate) gets it
 * called and awaited. The gate is not `clear()`ed: with a shared tier that would reach every other instance.
 */
@Injectable()
export class LicenzyGateLifecycle implements OnApplicationShutdown {
  constructor(@Inject(LICENZY_MODULE_OPTIONS) private readonly config: ModuleConfig) {}

  async onApplicationShutdown(): Promise<void> {
    if (!this.config.ownsGate) return;
    const closable = this.config.gate as { close?: () => unknown };
    if (typeof closable.close === 'function') await closable.close();
  }
}

function assemble(isGlobal: boolean, config: Provider, imports: ModuleMetadata['imports'] = []): DynamicModule {
  return {
    module: LicenzyModule,
    global: isGlobal,
    imports,
    providers: [
      config,
      { provide: LICENZY_GATE, useFactory: (parsed: ModuleConfig) => parsed.gate, inject: [LICENZY_MODULE_OPTIONS] },
      LicenzyGuard,
      LicenzyUsageInterceptor,
      LicenzyGateLifecycle,
    ],
    exports: [LICENZY_GATE, LICENZY_MODULE_OPTIONS, LicenzyGuard, LicenzyUsageInterceptor],
  };
}

/**
 * The licenzy-gate module: one gate per module instance, injectable as {@link LICENZY_GATE}, used by
 * {@link LicenzyGuard}, `@RequireAccess()` and `@RequireUsage()` in the modules that import it (every module with
 * `isGlobal: true`). Options are checked when the module is set up, naming a bad one.
 *
 * @example
 * @Module({ imports: [LicenzyModule.forRoot({ isGlobal: true, cache: { ttl: 60_000 } })] })
 * class AppModule {}
 */
@Module({})
export class LicenzyModule {
  /** The module with options known now. Without `gate` or gate options, the key comes from `LICENZY_API_KEY`. */
  static forRoot(options: LicenzyModuleOptions = {}): DynamicModule {
    const config = parseModuleOptions(options);
    return assemble(config.isGlobal, { provide: LICENZY_MODULE_OPTIONS, useValue: config });
  }

  /**
   * The module with options from a factory (a config service, a secret store), resolved when the app starts.
   * @example
   * LicenzyModule.forRootAsync({
   *   imports: [ConfigModule],
   *   inject: [ConfigService],
   *   useFactory: (config: ConfigService) => ({ apiKey: config.getOrThrow('LICENZY_API_KEY') }),
   * })
   */
  static forRootAsync(options: LicenzyModuleAsyncOptions): DynamicModule {
    const { useFactory, inject = [], imports, isGlobal = false } = options;
    if (typeof useFactory !== 'function') throw new LicenzyConfigError('useFactory', 'expected a function returning the module options');
    const factory = async (...args: never[]): Promise<ModuleConfig> => {
      const resolved: unknown = await useFactory(...args);
      if (typeof resolved === 'object' && resolved !== null && 'isGlobal' in resolved) {
        throw new LicenzyConfigError('isGlobal', 'is an option of forRootAsync() itself, not of what useFactory returns');
      }
      return parseModuleOptions(resolved);
    };
    return assemble(isGlobal, { provide: LICENZY_MODULE_OPTIONS, useFactory: factory, inject }, imports);
  }
}
