// Types of the route inventory and the coverage ratchet: each adapter's listRoutes rows feed expectGated as they are.
import { expectTypeOf, it } from 'vitest';
import type { Express } from 'express';
import type Koa from 'koa';
import type { FastifyInstance } from 'fastify';
import { listRoutes as expressRoutes } from '@licenzy-gate/express';
import { listRoutes as koaRoutes } from '@licenzy-gate/koa';
import { listRoutes as fastifyRoutes, recordRoutes } from '@licenzy-gate/fastify';
import { checkRouteCoverage, expectGated, type ExpectGatedOptions, type ProbeReply, type RouteInventoryEntry } from '@licenzy-gate/testing';
import { gateMarkOf, markGate, type GateMark } from '@licenzy-gate/core/adapter';

declare const expressApp: Express;
declare const koaApp: Koa;
declare const fastifyApp: FastifyInstance;

it('listRoutes returns the same rows in every adapter', () => {
  expectTypeOf(expressRoutes(expressApp)).toEqualTypeOf<RouteInventoryEntry[]>();
  expectTypeOf(koaRoutes(koaApp)).toEqualTypeOf<RouteInventoryEntry[]>();
  expectTypeOf(fastifyRoutes(fastifyApp)).toEqualTypeOf<RouteInventoryEntry[]>();
  expectTypeOf(recordRoutes).parameter(0).toEqualTypeOf<FastifyInstance>();
  expectTypeOf<RouteInventoryEntry['gate']>().toEqualTypeOf<'access' | 'usage' | null | 'unknown'>();
  expectTypeOf<RouteInventoryEntry['reportOnly']>().toEqualTypeOf<boolean | 'per-request'>();
  expectTypeOf<RouteInventoryEntry['via']>().toEqualTypeOf<'route' | 'router' | 'app' | 'global' | 'mount' | 'opt-out' | null>();
});

it('expectGated takes the rows or a function returning them, and resolves to nothing', () => {
  expectTypeOf(expectGated(expressRoutes(expressApp), { paid: ['/pro/**'] })).toEqualTypeOf<Promise<void>>();
  expectTypeOf(expectGated).toBeCallableWith(() => koaRoutes(koaApp), { paid: ['/pro/**'], free: ['GET /health'] });
  expectTypeOf(expectGated).toBeCallableWith(async () => fastifyRoutes(fastifyApp), { paid: [], probe: true, url: 'http://127.0.0.1:1' });
  expectTypeOf<ExpectGatedOptions['handlerRan']>().toEqualTypeOf<((reply: ProbeReply) => boolean) | undefined>();
  // @ts-expect-error paid is required
  void expectGated([], { free: [] });
  expectTypeOf(checkRouteCoverage([], { paid: [] }).problems[0]?.kind).toEqualTypeOf<'ungated' | 'unclassified' | 'stale' | 'reached' | undefined>();
});

it('markGate keeps the function type; gateMarkOf reads a mark or undefined', () => {
  const fn = markGate((a: number) => a, 'access', { reportOnly: true });
  expectTypeOf(fn).toEqualTypeOf<(a: number) => number>();
  expectTypeOf(gateMarkOf(fn)).toEqualTypeOf<GateMark | undefined>();
});
