// Pins the names the instrumentation hard-codes (to need no runtime import of core) to core's and package.json's.
import { readFileSync } from 'node:fs';
import { CHANNELS } from '@licenzy-gate/core';
import { describe, expect, it } from 'vitest';
import { CHANNEL } from '../src/names.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../src/version.js';

describe('names', () => {
  it('subscribes to exactly the channels core publishes', () => {
    expect(CHANNEL).toEqual({
      checkEnd: `tracing:${CHANNELS.check}:end`,
      checkAsyncEnd: `tracing:${CHANNELS.check}:asyncEnd`,
      upstreamStart: `tracing:${CHANNELS.upstream}:start`,
      upstreamAsyncEnd: `tracing:${CHANNELS.upstream}:asyncEnd`,
      circuit: CHANNELS.circuit,
      invalidate: CHANNELS.invalidate,
      failOpen: CHANNELS.failOpen,
      shared: CHANNELS.shared,
      report: CHANNELS.report,
    });
  });

  it('names its scope after package.json', () => {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
    expect({ name: PACKAGE_NAME, version: PACKAGE_VERSION }).toEqual({ name: manifest.name, version: manifest.version });
  });
});
