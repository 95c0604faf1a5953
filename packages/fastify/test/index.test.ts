// The package entry: the plugin as default and named export, carrying fastify-plugin's metadata.
import { describe, expect, it } from 'vitest';
import licenzyGateDefault, { licenzyGate, subjectFromRequest } from '../src/index.js';

describe('@licenzy-gate/fastify entry', () => {
  it('exports the same plugin as default and as licenzyGate', () => {
    expect(licenzyGateDefault).toBe(licenzyGate);
    expect(typeof subjectFromRequest).toBe('function');
  });

  it('is a fastify-plugin for Fastify 5, so its decorators and hooks land in the registering context', () => {
    const plugin = licenzyGate as unknown as Record<symbol, unknown>;
    expect(plugin[Symbol.for('skip-override')]).toBe(true);
    expect(plugin[Symbol.for('fastify.display-name')]).toBe('@licenzy-gate/fastify');
    expect(plugin[Symbol.for('plugin-meta')]).toMatchObject({ fastify: '5.x', name: '@licenzy-gate/fastify' });
  });
});
