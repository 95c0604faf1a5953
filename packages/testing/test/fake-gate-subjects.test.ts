// Regression (issue 23, item 2): the fake gate takes subjects as the real gate does: a numeric id as its decimal
// string, anything unusable a typed error; never a silent no-op.
import { LicenzySubjectInvalidError } from '@licenzy-gate/core';
import { describe, expect, it } from 'vitest';
import { createFakeGate } from '../src/index.js';

const numeric = 42 as unknown as string;

describe('createFakeGate and numeric subjects (issue 23, item 2)', () => {
  it('peek, check, invalidate and scripting take 42 as "42"', async () => {
    const gate = createFakeGate({ allow: [numeric] });
    expect(gate.peek(numeric)).toMatchObject({ subjectRef: '42', allowed: true });
    await expect(gate.check(numeric)).resolves.toMatchObject({ subjectRef: '42', allowed: true });
    gate.deny(numeric);
    expect(gate.outcomeOf('42')).toBe('deny');
    expect(gate.invalidate(numeric)).toBe(false);
    expect(gate.calls).toEqual([
      { method: 'peek', subjectRef: '42' },
      { method: 'check', subjectRef: '42', fresh: false },
      { method: 'invalidate', subjectRef: '42' },
    ]);
  });

  it('refuses what no resolver could turn into a subject, as the real gate does', async () => {
    const gate = createFakeGate();
    for (const bad of [undefined, -1, 4.2, '', {}] as unknown as string[]) {
      expect(() => gate.invalidate(bad)).toThrow(LicenzySubjectInvalidError);
      expect(() => gate.peek(bad)).toThrow(LicenzySubjectInvalidError);
      await expect(gate.check(bad)).rejects.toBeInstanceOf(LicenzySubjectInvalidError);
    }
    expect(gate.calls).toEqual([]);
  });
});
