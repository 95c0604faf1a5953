// The gate mark: set once, non-enumerable, read by symbol (never by name), reportOnly from the options that set it.
import { describe, expect, it } from 'vitest';
import { GATE_MARK, gateMarkOf, markGate } from '../src/adapter.js';

describe('markGate / gateMarkOf', () => {
  it('marks the function itself, under Symbol.for, out of sight of enumeration and JSON', () => {
    const fn = function licenzyRequireAccess() {};
    expect(markGate(fn, 'access')).toBe(fn);
    expect(GATE_MARK).toBe(Symbol.for('licenzy-gate.gate'));
    expect(gateMarkOf(fn)).toEqual({ kind: 'access', reportOnly: false });
    expect(Object.keys(fn)).toEqual([]);
    expect(Object.getOwnPropertyDescriptor(fn, GATE_MARK)).toMatchObject({ enumerable: false, writable: false, configurable: false });
  });

  it('reads reportOnly from the first options object that sets it: true, false, or a function (per request)', () => {
    expect(gateMarkOf(markGate(() => {}, 'usage', { reportOnly: true }))?.reportOnly).toBe(true);
    expect(gateMarkOf(markGate(() => {}, 'access', { reportOnly: () => true }))?.reportOnly).toBe('per-request');
    expect(gateMarkOf(markGate(() => {}, 'access', undefined, { reportOnly: true }))?.reportOnly).toBe(true);
    expect(gateMarkOf(markGate(() => {}, 'access', { reportOnly: false }, { reportOnly: true }))?.reportOnly).toBe(false);
    expect(gateMarkOf(markGate(() => {}, 'access', { reportOnly: 'yes' }))?.reportOnly).toBe(false);
  });

  it('recognises nothing by name, and no forged or foreign value', () => {
    expect(gateMarkOf(function licenzyRequireAccess() {})).toBeUndefined();
    expect(gateMarkOf(Object.assign(() => {}, { [GATE_MARK]: { kind: 'admin', reportOnly: false } }))).toBeUndefined();
    expect(gateMarkOf(undefined)).toBeUndefined();
    expect(gateMarkOf('licenzyRequireAccess')).toBeUndefined();
  });
});
