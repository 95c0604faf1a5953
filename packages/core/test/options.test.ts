import { describe, expect, it } from 'vitest';
import { LicenzyConfigError } from '../src/index.js';
import { describe as describeValue, functionOption, integerOption, numberOption, objectOption } from '../src/options.js';

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
