// The test fixture: a local Licenzy (the emulator) plus gates pointed at it, started for a test and stopped after.
import { createAccessGate, LicenzyConfigError, type AccessGateOptions, type LicenzyGate } from '@licenzy-gate/core';
import { optionKeys, rejectUnknownKeys } from '@licenzy-gate/core/adapter';
import { createMockLicenzy, type MockLicenzy, type MockLicenzyOptions } from '@licenzy-gate/mock';

/**
 * Options of {@link startLocalLicenzy} and {@link useLocalLicenzy}.
 * @example
 * startLocalLicenzy({ mock: { latency: 5 }, gate: { retries: 0, circuitBreaker: false } })
 */
export interface LocalLicenzyOptions {
  /** Options of the local Licenzy, as `createMockLicenzy` takes them. Default: none (port 0, the default keys). */
  mock?: MockLicenzyOptions;
  /**
   * Options every `licenzy.gate()` starts from, before the options of that call. `apiKey` and `baseUrl` already point
   * at the local Licenzy (its test key). Default: none, so a gate behaves as in production (retries, breaker, cache).
   */
  gate?: AccessGateOptions;
}

/**
 * A running local Licenzy and a way to make gates that ask it. From {@link startLocalLicenzy}; `await close()` when done.
 * @example
 * const licenzy = await startLocalLicenzy();
 * licenzy.mock.grant('user_1');
 * await licenzy.gate().check('user_1'); // { allowed: true, source: 'licenzy', … }
 * await licenzy.close();
 */
export interface LocalLicenzy {
  /** The emulator: grant, revoke, fault, count, … */
  readonly mock: MockLicenzy;
  /**
   * A new gate asking the local Licenzy with its test key: `{ apiKey, baseUrl }`, then the fixture's `gate` options,
   * then `options` (later wins).
   */
  gate(options?: AccessGateOptions): LicenzyGate;
  /** Stops the local Licenzy (hung requests included). Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts a local Licenzy, for any test runner (or a script): the plain-function form of {@link useLocalLicenzy}.
 * Rejects with a `LicenzyConfigError` on bad options.
 * @example
 * let licenzy: LocalLicenzy;
 * before(async () => { licenzy = await startLocalLicenzy({ gate: { retries: 0 } }); });
 * after(() => licenzy.close());
 */
export async function startLocalLicenzy(options: LocalLicenzyOptions = {}): Promise<LocalLicenzy> {
  rejectUnknownKeys('', options, START_KEYS);
  const mock = await createMockLicenzy(options.mock);
  const defaults = options.gate ?? {};
  return {
    mock,
    gate: (gateOptions = {}) => createAccessGate({ apiKey: mock.testKey, baseUrl: mock.url, ...defaults, ...gateOptions }),
    close: () => mock.close(),
  };
}

const START_KEYS = optionKeys<LocalLicenzyOptions>({ mock: true, gate: true });
const USE_KEYS = optionKeys<UseLocalLicenzyOptions>({ mock: true, gate: true, hooks: true });

/** The three hooks {@link useLocalLicenzy} registers; vitest, jest and jasmine name them alike. */
export interface FixtureHooks {
  beforeAll(fn: () => Promise<void> | void): void;
  afterAll(fn: () => Promise<void> | void): void;
  afterEach(fn: () => Promise<void> | void): void;
}

/** Options of {@link useLocalLicenzy}. */
export interface UseLocalLicenzyOptions extends LocalLicenzyOptions {
  /**
   * The runner's hooks, e.g. `{ beforeAll, afterAll, afterEach }` imported from `vitest`. Default: the global ones
   * (vitest with `globals: true`, jest, jasmine); without either, `useLocalLicenzy` throws at once saying so.
   */
  hooks?: FixtureHooks;
}

/**
 * Registers a local Licenzy for the enclosing `describe` (or file): started in `beforeAll`, stopped in `afterAll`,
 * with every scripted fault withdrawn after each test so a failing test cannot leave Licenzy "down" for the next.
 * Returns at once; read `mock` and call `gate()` inside hooks and tests (before `beforeAll` ran, they throw).
 * @example
 * import { afterAll, afterEach, beforeAll, it } from 'vitest';
 * const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach }, gate: { retries: 0 } });
 * it('lets a paying user in', async () => {
 *   licenzy.mock.grant('user_1');
 *   expect((await licenzy.gate().check('user_1')).allowed).toBe(true);
 * });
 */
export function useLocalLicenzy(options: UseLocalLicenzyOptions = {}): LocalLicenzy {
  rejectUnknownKeys('', options, USE_KEYS);
  const { hooks = globalHooks(), ...startOptions } = options;
  let running: LocalLicenzy | undefined;
  const started = (): LocalLicenzy => {
    if (running === undefined) throw new Error('useLocalLicenzy: the local Licenzy is not running (read it inside a hook or a test, after beforeAll)');
    return running;
  };
  hooks.beforeAll(async () => {
    running = await startLocalLicenzy(startOptions);
  });
  hooks.afterEach(() => {
    running?.mock.clearFaults();
  });
  hooks.afterAll(async () => {
    await running?.close();
  });
  return {
    get mock() {
      return started().mock;
    },
    gate: (gateOptions) => started().gate(gateOptions),
    close: () => started().close(),
  };
}

function globalHooks(): FixtureHooks {
  const scope = globalThis as Partial<FixtureHooks>;
  const { beforeAll, afterAll, afterEach } = scope;
  if (typeof beforeAll !== 'function' || typeof afterAll !== 'function' || typeof afterEach !== 'function') {
    throw new LicenzyConfigError('hooks', "no global beforeAll/afterAll/afterEach; pass `hooks: { beforeAll, afterAll, afterEach }` from your runner (e.g. import them from 'vitest')");
  }
  return { beforeAll, afterAll, afterEach };
}
