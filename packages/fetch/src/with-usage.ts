// Gates a metered fetch handler: charge the subject's usage pack (before or after the handler), or a refusal Response.
import { createUsageGuard, markGate, type RequireUsageOptions, type ResponseLike, type UsageOutcome } from '@licenzy-gate/core/adapter';
import { decisionOf, setDecision } from './decision.js';
import { refusalResponse, type FetchRefusalHook } from './respond.js';
import { noDefaultSubject, requiredSubject } from './subject.js';
import { whereOf, type FetchHandler } from './with-access.js';

/**
 * Options of {@link withUsage}: `units` (required: a number or `(request) => number`), `charge`, `onExhausted`, and
 * the shared options (`gate` or gate options, `onUnavailable`, `delegateErrors`, `reportOnly`, `logger`), with
 * `subject` **required** as for `withAccess()`.
 */
export type FetchUsageOptions = RequireUsageOptions<Request, FetchRefusalHook> & { subject: (request: Request) => unknown };

/**
 * The end of a fetch handler as core's usage watcher reads a Node response: the handler returned a `Response`
 * (started and ended, `finish`), or threw before any (`close`, status 500). A fetch handler hands its Response to the
 * runtime whole, so "delivered" is "returned with a 2xx/3xx status". For adapters built on this one (Hono): call
 * `finish(status)` once the handler's Response exists, `fail()` when it threw.
 */
export function handlerEnd(): { response: ResponseLike; finish(status: number): void; fail(): void } {
  const listeners: Partial<Record<'finish' | 'close', () => void>> = {};
  const state = { statusCode: 0, headersSent: false, writableEnded: false, writableFinished: false };
  const response: ResponseLike = Object.assign(state, {
    once(event: 'finish' | 'close', listener: () => void) {
      listeners[event] = listener;
      return response;
    },
  });
  return {
    response,
    finish(status) {
      Object.assign(state, { statusCode: status, headersSent: true, writableEnded: true, writableFinished: true });
      listeners.finish?.();
    },
    fail() {
      state.statusCode = 500;
      listeners.close?.();
    },
  };
}

/** The URL as a Node server receives it (path and query), as every adapter reports and binds its idempotency key to. */
function pathAndQuery(url: string): string {
  const { pathname, search } = new URL(url);
  return pathname + search;
}

/**
 * Wraps a metered fetch handler: each request is charged `units` of the subject's usage packs through
 * `gate.consumeUsage()` (never from a cache) before the handler runs; `decisionOf(request).usage` then holds
 * `{ units, consumed, remaining, source }`. Too few units: 402 `usage_exhausted` (or `onExhausted`). Licenzy
 * unavailable: 503 with `Retry-After`. A bad `units` value: 500, never a free request. A client's `Idempotency-Key`
 * header makes a retry one charge. With `charge: 'after'` the request is charged once the handler returned a
 * 2xx/3xx `Response`.
 *
 * @throws {LicenzyConfigError} at setup, naming the invalid option.
 * @example
 * export const POST = withUsage(async (request) => Response.json({ left: decisionOf(request)?.usage?.remaining }), { gate, subject, units: 1 })
 */
export function withUsage<Rest extends unknown[]>(handler: FetchHandler<Rest>, options: FetchUsageOptions): FetchHandler<Rest> {
  requiredSubject<Request>(options);
  const guard = createUsageGuard<Request, FetchRefusalHook>(options, noDefaultSubject);
  const infoOf = (request: Request) => ({ method: request.method, url: pathAndQuery(request.url), idempotencyKey: request.headers.get('idempotency-key') ?? undefined });
  // A client's key is bound to the body too (a retry with another body is another event): read from a copy, and only
  // when there is a key, so the handler still reads the body and a keyless request costs nothing more.
  const keyedInfoOf = async (request: Request) => {
    const info = infoOf(request);
    if (info.idempotencyKey === undefined || request.body === null || request.bodyUsed) return info;
    return { ...info, body: await request.clone().text() };
  };

  async function run(outcome: Extract<UsageOutcome, { allowed: true }>, request: Request, rest: Rest): Promise<Response> {
    setDecision(request, outcome.decision);
    const end = handlerEnd();
    guard.watch(end.response, outcome);
    try {
      const response = await handler(request, ...rest);
      end.finish(response.status);
      return response;
    } catch (error) {
      end.fail();
      throw error;
    }
  }

  async function licenzyWithUsage(request: Request, ...rest: Rest): Promise<Response> {
    if (guard.reportOnly === true || (guard.reportOnly === 'per-request' && guard.reportsOnly(request))) {
      // Never charges, never waits: "would exhaust" is estimated in the background and reported.
      guard.observe(request, infoOf(request), whereOf);
      return handler(request, ...rest);
    }
    const outcome = await guard.meter(request, await keyedInfoOf(request), decisionOf(request));
    if (outcome.allowed) return run(outcome, request, rest);
    return refusalResponse(guard.refusal(outcome), request);
  }
  return markGate(licenzyWithUsage, 'usage', options);
}
