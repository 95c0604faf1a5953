// Reads and validates the Licenzy API key and base URL (from options or the environment) without ever echoing them.
import { LicenzyConfigError } from './errors.js';

/** Licenzy environment a key belongs to, from its prefix: `lz_test_…` or `lz_live_…`. */
export type LicenzyMode = 'test' | 'live';

const KEY_PATTERN = /^lz_(test|live)_[\x21-\x7e]+$/;

/**
 * Validates an API key and returns its mode. Messages describe the problem, never the key.
 * @throws {LicenzyConfigError} for a missing key or one without a `lz_test_`/`lz_live_` prefix.
 */
export function parseApiKey(value: unknown, option = 'apiKey'): { apiKey: string; mode: LicenzyMode } {
  if (value === undefined || value === '') {
    throw new LicenzyConfigError(option, 'missing: pass `apiKey` or set LICENZY_API_KEY');
  }
  if (typeof value !== 'string') throw new LicenzyConfigError(option, `expected a string, got ${typeof value}`);
  const match = KEY_PATTERN.exec(value);
  if (!match) {
    throw new LicenzyConfigError(option, 'expected a Licenzy key starting with lz_test_ or lz_live_ (printable characters, no spaces)');
  }
  return { apiKey: value, mode: match[1] as LicenzyMode };
}

/**
 * Validates the Licenzy base URL (an http(s) URL without credentials, query or fragment) and returns it
 * without a trailing slash. Paths such as `/v1/access/check` are appended to it.
 * @throws {LicenzyConfigError}
 */
export function parseBaseUrl(value: unknown, option = 'baseUrl'): string {
  if (value === undefined || value === '') {
    throw new LicenzyConfigError(option, 'missing: pass `baseUrl` or set LICENZY_API_URL');
  }
  if (typeof value !== 'string' && !(value instanceof URL)) {
    throw new LicenzyConfigError(option, `expected a URL string, got ${typeof value}`);
  }
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw new LicenzyConfigError(option, 'not a valid absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new LicenzyConfigError(option, 'must be an http: or https: URL');
  // Credentials in the URL would travel in logs and errors; the key belongs in the Authorization header.
  if (url.username || url.password) throw new LicenzyConfigError(option, 'must not contain credentials');
  if (url.search || url.hash) throw new LicenzyConfigError(option, 'must not contain a query or fragment');
  const base = url.href.replace(/\/+$/, '');
  if (/\/v1$/.test(base)) throw new LicenzyConfigError(option, 'give the base URL without the /v1 suffix (it is added per endpoint)');
  return base;
}
