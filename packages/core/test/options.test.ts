import { describe, expect, it } from 'vitest';
import { LicenzyConfigError, createAccessGate, createLicenzyClient } from '../src/index.js';
import { createGuard } from '../src/adapter.js';
import { CLIENT_OPTION_KEYS } from '../src/client.js';
import { GATE_OPTION_KEYS } from '../src/gate.js';
import { REQUIRE_ACCESS_OPTION_KEYS } from '../src/guard.js';
import { booleanOption, describe as describeValue, functionOption, integerOption, loggerOption, numberOption, objectOption, optionsObject, renamedOption } from '../src/options.js';

describe('option readers', () => {
  it('treat undefined as "not passed" and return the default', () => {
    expect(numberOption('timeout', undefined, 2000)).toBe(2000);
    expect(integerOption('retries', undefined, 2)).toBe(2);
    expect(objectOption('cache', undefined)).toBeUndefined();
    const fallback = () => 1;
    expect(functionOption('now', undefined, fallback)).toBe(fallback);
  });

  it('never coerce a bad value to the default', () => {
    expect(() => numberOption('timeout', '2000', 1)).toThrow(LicenzyConfigError);
    expect(() => numberOption('timeout', 0, 1, 1)).toThrow(/`timeout`.*>= 1/);
    expect(() => integerOption('retries', 1.5, 2)).toThrow(/`retries`.*integer/);
    expect(() => objectOption('cache', [])).toThrow(/`cache`.*an array/);
    expect(() => functionOption('fetch', 'fetch')).toThrow(/`fetch`/);
  });

  it('describe values without echoing strings (which may be secrets)', () => {
    expect(describeValue('lz_live_abc')).toBe('a string of length 11');
    expect(describeValue(null)).toBe('null');
    expect(describeValue([1])).toBe('an array');
    expect(describeValue(3)).toBe('3');
  });
});

describe('regression: a misspelt option is an error naming it and the closest known one, never a silent default', () => {
  const fake = () => ({ mode: 'test' as const, checkAccess: async (subjectRef: string) => ({ subjectRef, allowed: true }) });
  const configError = (run: () => unknown) => {
    try {
      run();
    } catch (error) {
      return error as LicenzyConfigError;
    }
    throw new Error('expected a LicenzyConfigError');
  };

  it.each([
    ['createAccessGate({ ttl })', () => createAccessGate({ client: fake(), ttl: 1000 } as never), 'ttl', undefined],
    ['createAccessGate({ cache: { tll } })', () => createAccessGate({ client: fake(), cache: { tll: 1000 } } as never), 'cache.tll', 'cache.ttl'],
    ['createAccessGate({ cache: { deniedTTL } })', () => createAccessGate({ client: fake(), cache: { deniedTTL: 1 } } as never), 'cache.deniedTTL', 'cache.deniedTtl'],
    ['createAccessGate({ circuitBreaker: { treshold } })', () => createAccessGate({ client: fake(), circuitBreaker: { treshold: 3 } } as never), 'circuitBreaker.treshold', 'circuitBreaker.threshold'],
    ['createAccessGate({ maxConcurent })', () => createAccessGate({ client: fake(), maxConcurent: 3 } as never), 'maxConcurent', 'maxConcurrent'],
    ['createLicenzyClient({ timout })', () => createLicenzyClient({ apiKey: 'lz_test_example_x', baseUrl: 'https://licenzy.example', timout: 10 } as never), 'timout', 'timeout'],
    ['createGuard({ gate, onDeny })', () => createGuard({ gate: createAccessGate({ client: fake() }), onDeny: () => undefined } as never, () => undefined), 'onDeny', 'onDenied'],
    ['createGuard({ subjet })', () => createGuard({ client: fake(), subjet: () => 'u' } as never, () => undefined), 'subjet', 'subject'],
  ])('%s', (_label, run, option, suggestion) => {
    const error = configError(run);
    expect(error).toBeInstanceOf(LicenzyConfigError);
    expect(error.option).toBe(option);
    if (suggestion === undefined) expect(error.message).not.toContain('did you mean');
    else expect(error.message).toContain(`did you mean \`${suggestion}\`?`);
  });

  it.each([
    ['client: null', { client: null }, 'client'],
    ['apiKey: null (never "use the environment")', { apiKey: null, baseUrl: 'https://licenzy.example' }, 'apiKey'],
    ['baseUrl: null', { apiKey: 'lz_test_example_x', baseUrl: null }, 'baseUrl'],
    ['store: null', { client: fake(), store: null }, 'store'],
    ['store: 0', { client: fake(), store: 0 }, 'store'],
    ['cache: null', { client: fake(), cache: null }, 'cache'],
  ])('one rule for null and other non-values: %s is an error naming the option', (_label, options, option) => {
    process.env.LICENZY_API_KEY = 'lz_test_example_from_env';
    process.env.LICENZY_API_URL = 'https://licenzy.example';
    try {
      expect(configError(() => createAccessGate(options as never)).option).toBe(option);
    } finally {
      delete process.env.LICENZY_API_KEY;
      delete process.env.LICENZY_API_URL;
    }
  });

  it('onUnavailable: null is an error, not the default', () => {
    expect(configError(() => createGuard({ client: fake(), onUnavailable: null } as never, () => undefined)).option).toBe('onUnavailable');
  });

  it('the known names come from one typed list per interface (nothing hand-kept drifts)', () => {
    expect([...GATE_OPTION_KEYS].sort()).toEqual([...CLIENT_OPTION_KEYS, 'client', 'cache', 'store', 'shared', 'circuitBreaker', 'freshInterval', 'maxConcurrent', 'maxQueue', 'logger', 'now'].sort());
    expect([...REQUIRE_ACCESS_OPTION_KEYS].filter((key) => !GATE_OPTION_KEYS.has(key)).sort()).toEqual(['delegateErrors', 'fresh', 'gate', 'onDenied', 'onUnavailable', 'reportOnly', 'subject']);
  });
});

describe('the shared readers of the webhook receiver, the Redis tier and the Fastify plugin (issue 18)', () => {
  const logger = { warn: () => undefined, error: () => undefined };

  it('loggerOption: undefined is the default, null or a function is an error naming the option', () => {
    expect(loggerOption('logger', undefined, logger)).toBe(logger);
    expect(loggerOption('logger', undefined)).toBeUndefined();
    expect(loggerOption('logger', logger)).toBe(logger);
    expect(() => loggerOption('logger', null)).toThrow(/`logger`.*warn\(\) and error\(\).*null/);
    expect(() => loggerOption('logger', console.log)).toThrow(LicenzyConfigError);
    expect(() => loggerOption('logger', { warn: () => undefined })).toThrow(LicenzyConfigError);
  });

  it('booleanOption: never coerces', () => {
    expect(booleanOption('global', undefined, false)).toBe(false);
    expect(() => booleanOption('global', 'true', false)).toThrow(/`global`.*boolean/);
  });

  it('optionsObject: a plain object of known keys; a typo names the closest key, nested under its path', () => {
    const known = new Set(['prefix', 'timeout']);
    expect(optionsObject('', { prefix: 'x' }, known)).toEqual({ prefix: 'x' });
    expect(optionsObject('route', undefined, known, true)).toEqual({});
    expect(() => optionsObject('', null, known)).toThrow(/`options`/);
    expect(() => optionsObject('', undefined, known)).toThrow(/`options`/);
    expect(() => optionsObject('', { prefx: 'x' }, known)).toThrow(/`prefx`.*did you mean `prefix`\?/);
    expect(() => optionsObject('config.licenzy', { timout: 1 }, known)).toThrow(/`config.licenzy.timout`.*did you mean `config.licenzy.timeout`\?/);
  });

  it('renamedOption: either name, never both', () => {
    expect(renamedOption({ threshold: 3 }, 'threshold', 'failureThreshold')).toEqual({ name: 'threshold', value: 3 });
    expect(renamedOption({ failureThreshold: 3 }, 'threshold', 'failureThreshold')).toEqual({ name: 'failureThreshold', value: 3 });
    expect(() => renamedOption({ threshold: 3, failureThreshold: 3 }, 'threshold', 'failureThreshold')).toThrow(
      /`failureThreshold`: is the deprecated name of `threshold`/,
    );
  });
});
