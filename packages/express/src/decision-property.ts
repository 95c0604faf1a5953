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

/** The last request prototype seen, once the accessor is in its chain (or known not to be possible there). */
let checkedPrototype: object | null | undefined;

/**
 * Defines the accessor on the framework's request prototype: the object in `req`'s prototype chain whose own
 * prototype is `http.IncomingMessage.prototype` (`express.request` in Express 4 and 5, shared by every app and
 * sub-app of that copy of Express). Never on Node's own prototype; never over a `licenzy` someone else defined
 * there. Without such a prototype (a plain object in a unit test, another framework), nothing is defined and
 * `req.licenzy = …` adds an own property as usual.
 */
function ensureAccessor(req: object): void {
  const prototype: object | null = Object.getPrototypeOf(req);
  if (prototype === checkedPrototype) return;
  checkedPrototype = prototype;
  let base = prototype;
  while (base !== null && Object.getPrototypeOf(base) !== IncomingMessage.prototype) base = Object.getPrototypeOf(base);
  if (base === null || Object.prototype.hasOwnProperty.call(base, 'licenzy')) return;
  Object.defineProperty(base, 'licenzy', accessor);
}

/** Sets `req.licenzy` (through the shared accessor where Express provides a request prototype). */
export function setRequestDecision(req: Request, decision: RequestDecision): void {
  ensureAccessor(req);
  req.licenzy = decision;
}
