// Turns core's refusal decision (delegate, hook or problem+json) into a `Response`, for every fetch-adapter route.
import type { LicenzyError, Problem } from '@licenzy-gate/core';
import type { RefusalAction } from '@licenzy-gate/core/adapter';

/**
 * Answers a refusal instead of the default problem+json (`onDenied`, `onExhausted`, `onUnavailable`): return the
 * `Response` to send (e.g. a redirect to the pricing page). What it throws or rejects with propagates to the caller.
 */
export type FetchRefusalHook = (request: Request, error: LicenzyError) => Response | Promise<Response>;

/** A problem+json `Response` (status, `Cache-Control: no-store`, `Retry-After` on 503): the body every adapter sends. */
export function problemResponse(problem: Problem): Response {
  return new Response(JSON.stringify(problem.body), { status: problem.status, headers: problem.headers });
}

/**
 * The `Response` for a refusal: the route's hook answers, or the problem+json; with `delegateErrors: true` the typed
 * {@link LicenzyError} is thrown to the caller (a Next.js error boundary, the router's `onError`, `Bun.serve`'s `error`).
 */
export async function refusalResponse(action: RefusalAction<FetchRefusalHook>, request: Request): Promise<Response> {
  if (action.type === 'delegate') throw action.error;
  if (action.type === 'hook') {
    const answer = await action.hook(request, action.error);
    // Duck-typed: a framework may hand out its own Response class (another realm's `instanceof` would fail).
    if (typeof (answer as Partial<Response> | undefined)?.status !== 'number') throw new TypeError('licenzy-gate: a refusal hook must return a Response');
    return answer;
  }
  return problemResponse(action.problem);
}
