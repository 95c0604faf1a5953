// Writes core's refusal decision (delegate, hook or problem+json) for every Hono middleware of this package.
import type { LicenzyError } from '@licenzy-gate/core';
import type { RefusalAction } from '@licenzy-gate/core/adapter';
import { problemResponse } from '@licenzy-gate/fetch';
import type { Context } from 'hono';

/**
 * Answers a refusal instead of the default problem+json (`onDenied`, `onExhausted`, `onUnavailable`): return a
 * `Response` (`c.json(…, 402)`, `c.redirect('/pricing')`). What it throws goes to `app.onError`.
 */
export type HonoRefusalHook = (c: Context, error: LicenzyError) => Response | Promise<Response>;

/** The refusal's Response; with `delegateErrors: true` the typed error is thrown to `app.onError`. */
export async function refusalResponse(action: RefusalAction<HonoRefusalHook>, c: Context): Promise<Response> {
  if (action.type === 'delegate') throw action.error;
  if (action.type === 'hook') return action.hook(c, action.error);
  return problemResponse(action.problem);
}
