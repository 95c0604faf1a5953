import { afterEach, describe, expect, it, vi } from 'vitest';
import { consoleLogger } from '../src/adapter.js';

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

describe('createLogThrottle', () => {
  it('logs a key once per window and tells the next line how many were held back; a throwing logger is contained', async () => {
    const { createLogThrottle, LOG_WINDOW } = await import('../src/logger.js');
    let t = 0;
    const lines: string[] = [];
    const once = createLogThrottle(() => t);
    for (let i = 0; i < 5; i++) once('a', (held) => void lines.push(`a ${held}`));
    once('b', (held) => void lines.push(`b ${held}`));
    t += LOG_WINDOW;
    once('a', (held) => void lines.push(`a ${held}`));
    expect(lines).toEqual(['a 0', 'b 0', 'a 4']);
    expect(() => once('c', () => { throw new Error('logger down'); })).not.toThrow();
  });
});
