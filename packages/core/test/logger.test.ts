import { afterEach, describe, expect, it, vi } from 'vitest';
import { consoleLogger } from '../src/index.js';

afterEach(() => vi.restoreAllMocks());

describe('consoleLogger', () => {
  it('prefixes lines so gate messages are easy to find', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    consoleLogger.warn('fail open', { code: 'ERR_LICENZY_UNAVAILABLE' });
    consoleLogger.error('misconfigured');
    expect(warn).toHaveBeenCalledWith('[licenzy-gate] fail open', { code: 'ERR_LICENZY_UNAVAILABLE' });
    expect(error).toHaveBeenCalledWith('[licenzy-gate] misconfigured', '');
  });
});
