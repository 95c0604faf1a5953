import { describe, expect, it } from 'vitest';
import { LicenzyConfigError } from '../src/index.js';
import { parseApiKey, parseBaseUrl } from '../src/config.js';

const SECRET = 'lz_live_example_0123456789abcdef';

describe('parseApiKey', () => {
  it('derives the mode from the key prefix', () => {
    expect(parseApiKey('lz_test_example_key')).toEqual({ apiKey: 'lz_test_example_key', mode: 'test' });
    expect(parseApiKey(SECRET).mode).toBe('live');
  });

  it.each([undefined, '', 'sk_live_abc', 'lz_prod_abc', 'lz_test_', 'lz_test_has space', 123])('refuses %j with a message that names apiKey', (value) => {
    expect(() => parseApiKey(value)).toThrow(LicenzyConfigError);
    expect(() => parseApiKey(value)).toThrow(/`apiKey`/);
  });

  it('never echoes the key in the error', () => {
    const almost = `${SECRET} trailing`;
    try {
      parseApiKey(almost);
      expect.unreachable();
    } catch (error) {
      expect(String((error as Error).message)).not.toContain(SECRET);
      expect(JSON.stringify(error)).not.toContain(SECRET);
    }
  });
});

describe('parseBaseUrl', () => {
  it('accepts http(s) URLs and drops the trailing slash', () => {
    expect(parseBaseUrl('https://licenzy.example/')).toBe('https://licenzy.example');
    expect(parseBaseUrl('http://127.0.0.1:4010')).toBe('http://127.0.0.1:4010');
    expect(parseBaseUrl(new URL('https://gw.example/licenzy/'))).toBe('https://gw.example/licenzy');
  });

  it.each([
    [undefined, /missing/],
    ['not a url', /valid absolute URL/],
    ['ftp://licenzy.example', /http/],
    ['https://user:pass@licenzy.example', /credentials/],
    ['https://licenzy.example?x=1', /query/],
    ['https://licenzy.example/v1', /without the \/v1/],
  ])('refuses %j', (value, message) => {
    expect(() => parseBaseUrl(value)).toThrow(message);
    expect(() => parseBaseUrl(value)).toThrow(expect.objectContaining({ option: 'baseUrl' }) as Error);
  });
});
