// The vocabulary of the conformance suite: the target (an app under test), its routes, a case, a result, the error.
import type { LicenzyGate } from '@licenzy-gate/core';
import type { MockLicenzy } from '@licenzy-gate/mock';

/**
 * The parts of the local Licenzy the suites drive: a `MockLicenzy` from `@licenzy-gate/mock` (or the fixture's
 * `licenzy.mock`) has them all.
 */
export type ConformanceMock = Pick<MockLicenzy, 'grant' | 'revoke' | 'fault' | 'count' | 'testKey' | 'url' | 'entitlements' | 'activeFaults'>;

/**
 * The app under test. It must serve, behind its own server-side auth that sets the adapter's identity
 * (`req.user.id`, `ctx.state.user.id`, `request.user.id`) from the `x-demo-user` request header:
 * - `GET /free`: no gate, answers 200.
 * - `GET /pro` and `GET /pro/other`: gated by one shared gate; the handler answers 200 JSON
 *   `{ "subjectRef": <decision.subjectRef>, "source": <decision.source> }` from the request's decision.
 * - `GET /pro/fresh`: the shared gate with `fresh: true`. Create the shared gate with `freshInterval: 0` (the
 *   `fresh` case asks right after a denial, which the default 1 s bound would answer from that denial).
 * - `GET /pro/open`: the shared gate with `onUnavailable: 'allow'`.
 * - `GET /misconfigured`: a gate whose key Licenzy rejects (e.g. `lz_test_example_rejected_key`).
 */
export interface ConformanceTarget {
  /** Base URL of the app, e.g. `http://127.0.0.1:54321`. */
  url: string;
  mock: ConformanceMock;
  /** Invalidates a subject on the app's shared gate. */
  invalidate(subjectRef: string): void | Promise<void>;
  /** How many times the app's handler for `path` has run so far. */
  handlerCalls(path: string): number;
  /** Headers that authenticate a request as `subjectRef` in this app. Default `{ 'x-demo-user': subjectRef }`. */
  authenticate?(subjectRef: string): Record<string, string>;
  /**
   * Starts a fresh app serving `routes` (metered routes on `gate`), for the `metered` suite; the case closes it.
   * Without it, that suite's cases fail saying so (leave the suite out with `runConformance`'s `suites`).
   */
  mountMetered?(gate: LicenzyGate, routes: MeteredRoute[]): Promise<MountedApp>;
  /** Starts a fresh app serving the status route on `gate`, for the `status` suite; the case closes it. */
  mountStatus?(gate: LicenzyGate, status: StatusRouteOptions): Promise<MountedApp>;
}

/** An app a harness case started: its base URL and a way to stop it. */
export interface MountedApp {
  url: string;
  close(): Promise<void>;
}

/**
 * One metered route `mountMetered` serves, on the gate it was given, behind the demo auth (`x-demo-user`). The app must
 * also parse JSON bodies (so the idempotency key can be bound to the body), and answer an error handed to the framework
 * (`delegateErrors`) with its `status` and `{ "caught": error.code }`.
 */
export interface MeteredRoute {
  method: 'GET' | 'POST';
  path: string;
  /** `requireUsage`'s `units`: a number, or computed from the request's query string. */
  units: number | ((query: URLSearchParams) => number);
  charge?: 'before' | 'after';
  onUnavailable?: 'allow';
  delegateErrors?: boolean;
  /** An `onExhausted` hook that answers 402 `{ "buy": "/pricing" }`. */
  pricingHook?: boolean;
  /** `requireAccess()` in front of `requireUsage()`, on the same gate. */
  access?: boolean;
  /**
   * The handler: `echo` answers `{ usage, subjectRef }` from the framework's decision property (the default),
   * `decision` answers that whole decision, `fail` answers 500.
   */
  handler?: 'echo' | 'decision' | 'fail';
  /** Counts the handler's runs. */
  runs?: { count: number };
}

/**
 * What `mountStatus` serves, behind the demo auth (`x-demo-user`): `accessStatus({ gate, wait, retryAfter })` at
 * `/status` for every method, and `requireAccess({ gate })` at `GET /pro` answering 200.
 */
export interface StatusRouteOptions {
  /** `accessStatus`'s `wait`, in milliseconds. */
  wait: number;
  /** `accessStatus`'s `retryAfter`, in seconds. */
  retryAfter?: number;
}

/** One conformance case, in the style of graphql-http's audits: `fn` rejects with a {@link ConformanceError} on failure. */
export interface ConformanceCase {
  id: string;
  name: string;
  fn(target: ConformanceTarget): Promise<void>;
}

/** Thrown when a case fails; the message says what was expected and what came back. */
export class ConformanceError extends Error {
  override name = 'ConformanceError';
}

/** Result of one case from `runConformance`. */
export interface ConformanceResult {
  /** The suite of `conformanceSuites` the case belongs to, e.g. `'access'`. */
  suite: string;
  id: string;
  name: string;
  ok: boolean;
  error?: string;
}
