// `req.licenzy` without an own property on the request. On Node 20 every IncomingMessage ends up with a hidden class
// (V8 map) of its own, so each property a middleware adds to `req` copies that map and its ~50 descriptors: about
// 1.5–5 µs per request, several percent of an Express request (benchmark 1). Express itself extends requests through
// a shared prototype (`express.request`, where `req.query` is a getter in Express 5); `req.licenzy` is an accessor
// there too, defined once; its values are kept in each response's `res.locals` (see `keep` below).
import { IncomingMessage } from 'node:http';
import type { RequestDecision } from '@licenzy-gate/core';
import type { Request } from 'express';

/**
 * Where the accessor keeps a request's decision. Express gives every request a `res.locals` of its own (a null-prototype
 * dictionary, created before any middleware runs, reachable from the request as `req.res.locals`), and a dictionary add
 * there costs next to nothing; so the decision goes there, under two symbols no one else holds: the request it belongs
 * to, and the decision. A request whose `res.locals` is not an object we can add to (replaced by a frozen object,
 * `null`) keeps its decision in the WeakMap instead: keying a request in a WeakMap costs ~1 µs of an Express request
 * (~1%, benchmark 1; issue 25), so it is the fallback, not the rule.
 */
const owner = Symbol('licenzy-gate.request');
const held = Symbol('licenzy-gate.decision');
type Locals = { [owner]?: object; [held]?: RequestDecision | undefined };
const decisions = new WeakMap<object, RequestDecision | undefined>();
/** Whether any decision went to the WeakMap: only then does a write to `res.locals` have an older entry to drop. */
let spilled = false;

/**
 * `res.locals`, read with `Reflect.get` rather than `res.locals` (issue 25). Each Express response has a hidden class of
 * its own, like its request, so a plain read misses V8's inline cache on every request: the runtime looks the property
 * up and files the new class in the shared megamorphic cache (evicting someone else's entry). `Reflect.get` takes no
 * inline cache: V8 looks the property up in the builtin itself. On 2,000 kept Express responses, a read of `locals` took
 * 448–783 ns plain and 163–494 ns by `Reflect.get`, 1.4–2.8x less in each of four runs
 * (`bench/experiments/unique-class-reads.mjs`); under callgrind, one `Runtime_LoadIC_Miss` fewer per gated request.
 */
function localsOf(res: unknown): Locals | undefined {
  if (typeof res !== 'object' || res === null) return undefined;
  const locals: unknown = Reflect.get(res, 'locals');
  return typeof locals === 'object' && locals !== null ? (locals as Locals) : undefined;
}

function spill(req: object, value: RequestDecision | undefined): void {
  spilled = true;
  decisions.set(req, value);
}

/**
 * Keeps `value` as `req`'s decision. The slot in `res.locals` names its request, so a `res.locals` object an app shares
 * between requests (or copies from one response to another) never shows one request another's decision: the request
 * already named there keeps its decision in the WeakMap before the slot changes hands.
 */
function keep(req: object, res: unknown, value: RequestDecision | undefined): void {
  const locals = localsOf(res);
  if (locals === undefined) return spill(req, value);
  if (spilled) decisions.delete(req); // this newer write must not be shadowed by an older one in the WeakMap
  try {
    const previous = locals[owner];
    if (previous !== req) {
      // Unless a newer write of that request already went to the WeakMap (its own res.locals changed since).
      if (previous !== undefined && !(spilled && decisions.has(previous))) spill(previous, locals[held]);
      locals[owner] = req;
    }
    locals[held] = value;
  } catch {
    // A frozen or sealed `res.locals` (an assignment throws in strict mode): the WeakMap holds it instead.
    spill(req, value);
  }
}

function read(req: object): RequestDecision | undefined {
  if (spilled && decisions.has(req)) return decisions.get(req);
  const locals = localsOf(Reflect.get(req, 'res'));
  return locals !== undefined && locals[owner] === req ? locals[held] : undefined;
}

const accessor: PropertyDescriptor = {
  configurable: true,
  enumerable: false,
  get(this: object): RequestDecision | undefined {
    return read(this);
  },
  set(this: object, value: RequestDecision | undefined) {
    keep(this, Reflect.get(this, 'res'), value);
  },
};

/** The last request prototype seen, and whether `req.licenzy` on a request with that prototype is our accessor. */
let checkedPrototype: object | null | undefined;
let ours = false;

/**
 * Defines the accessor on the framework's request prototype: the object in `req`'s prototype chain whose own
 * prototype is `http.IncomingMessage.prototype` (`express.request` in Express 4 and 5, shared by every app and
 * sub-app of that copy of Express). Never on Node's own prototype; never over a `licenzy` someone else defined
 * there. Without such a prototype (a plain object in a unit test, another framework), nothing is defined and
 * `req.licenzy = …` adds an own property as usual. Returns whether `req.licenzy` reaches our accessor: it is on the
 * chain, and no object between the request's prototype and it has a `licenzy` of its own.
 */
function ensureAccessor(req: object): boolean {
  const prototype: object | null = Object.getPrototypeOf(req);
  if (prototype === checkedPrototype) return ours;
  checkedPrototype = prototype;
  ours = false;
  let base = prototype;
  let shadowed = false;
  while (base !== null && Object.getPrototypeOf(base) !== IncomingMessage.prototype) {
    shadowed ||= Object.prototype.hasOwnProperty.call(base, 'licenzy');
    base = Object.getPrototypeOf(base);
  }
  if (base === null) return false;
  if (!Object.prototype.hasOwnProperty.call(base, 'licenzy')) Object.defineProperty(base, 'licenzy', accessor);
  // Another copy of this package (CommonJS and ESM both loaded) may have put its own accessor there first.
  ours = !shadowed && Object.getOwnPropertyDescriptor(base, 'licenzy')?.get === accessor.get;
  return ours;
}

/**
 * Sets `req.licenzy`. Where our accessor serves it, the decision is kept straight away (see {@link keep}): Express gives
 * every request a hidden class of its own (`Object.setPrototypeOf(req, app.request)`, then own properties added), so an
 * assignment to `req` misses V8's inline caches every time and looks the setter up along the prototype chain (~4,000
 * instructions, counted with callgrind: bench/experiments/callgrind.mjs). `res` is the middleware's own argument, so
 * the write does not read `req.res` either.
 */
export function setRequestDecision(req: Request, decision: RequestDecision, res: unknown = Reflect.get(req, 'res')): void {
  if (ensureAccessor(req)) keep(req, res, decision);
  else req.licenzy = decision;
}
