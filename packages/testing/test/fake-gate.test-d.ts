// Type tests of createFakeGate: it is an AccessGate every adapter's `gate` option accepts, with typed scripting.
import type { AccessGate } from '@licenzy-gate/core';
import { requireAccess as expressAccess } from '@licenzy-gate/express';
import type { LicenzyGateOptions } from '@licenzy-gate/fastify';
import { requireAccess as koaAccess } from '@licenzy-gate/koa';
import { describe, expectTypeOf, it } from 'vitest';
import { createFakeGate, type FakeGate, type FakeGateCall, type FakeOutcome } from '../src/index.js';

describe('createFakeGate types', () => {
  it('is an AccessGate accepted by every adapter', () => {
    const gate = createFakeGate({ allow: ['a'], deny: new Set(['b']), fail: ['c'] });
    expectTypeOf(gate).toEqualTypeOf<FakeGate>();
    expectTypeOf(gate).toMatchTypeOf<AccessGate>();
    expectTypeOf(expressAccess).toBeCallableWith({ gate });
    expectTypeOf(koaAccess).toBeCallableWith({ gate });
    expectTypeOf({ gate }).toMatchTypeOf<LicenzyGateOptions>();
  });

  it('scripts with subject strings and records typed calls', () => {
    const gate = createFakeGate();
    expectTypeOf(gate.allow).parameters.toEqualTypeOf<string[]>();
    expectTypeOf(gate.allow('a')).toEqualTypeOf<FakeGate>();
    expectTypeOf(gate.outcomeOf('a')).toEqualTypeOf<FakeOutcome>();
    expectTypeOf(gate.calls).toEqualTypeOf<readonly FakeGateCall[]>();
    // @ts-expect-error subjects are strings
    createFakeGate({ allow: [1] });
    // @ts-expect-error only 'test' or 'live'
    createFakeGate({ mode: 'prod' });
  });
});
