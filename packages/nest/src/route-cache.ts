// What LicenzyGuard and LicenzyUsageInterceptor build once per route: a cache keyed by handler and controller.

/**
 * Memoises `build(handler, controller)`: each route's core guard is built on its first request, then reused. Keyed by
 * controller, then handler, since an inherited handler may sit under controllers with different class-level options.
 */
export function perRoute<T>(build: (handler: object, controller: object) => T): (handler: object, controller: object) => T {
  const byController = new WeakMap<object, WeakMap<object, T>>();
  return function routeEntry(handler, controller) {
    let byHandler = byController.get(controller);
    if (byHandler === undefined) byController.set(controller, (byHandler = new WeakMap()));
    let entry = byHandler.get(handler);
    if (entry === undefined) byHandler.set(handler, (entry = build(handler, controller)));
    return entry;
  };
}
