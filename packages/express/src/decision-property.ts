// `req.licenzy` without an own property on the request. On Node 20 every IncomingMessage ends up with a hidden class
// (V8 map) of its own, so each property a middleware adds to `req` copies that map and its ~50 descriptors: about
// 1.5–5 µs per request, several percent of an Express request (benchmark 1). Express itself extends requests through
// a shared prototype (`express.request`, where `req.query` is a getter in Express 5); `req.licenzy` is an accessor
// there too, defined once, its values kept per request in a WeakMap.
import { IncomingMessage } from 'node:http';
import type { RequestDecision } from '@licenzy-gate/core';
import type { Request } from 'express';

const decisions = new WeakMap<object, RequestDecision | undefined>();

const accessor: PropertyDescriptor = {
  configurable: true,
  enumerable: false,
  get(this: object): RequestDecision | undefined {
    return decisions.get(this);
  },
  set(this: object, value: RequestDecision | undefined) {
    decisions.set(this, value);
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
 * Sets `req.licenzy`. Where our accessor serves it, the decision goes straight into its WeakMap: Express gives every
 * request a hidden class of its own (`Object.setPrototypeOf(req, app.request)`), so an assignment to `req` misses V8's
 * inline caches every time and looks the setter up along the prototype chain (~4,000 instructions, counted with
 * callgrind: bench/experiments/callgrind.mjs); the WeakMap write is the same effect without the property access.
 */
export function setRequestDecision(req: Request, decision: RequestDecision): void {
  if (ensureAccessor(req)) decisions.set(req, decision);
  else req.licenzy = decision;
}
