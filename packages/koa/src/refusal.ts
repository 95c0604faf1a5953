// Writes core's refusal decision (delegate, hook or problem+json) for requireAccess() and requireUsage() alike.
import type { LicenzyError } from '@licenzy-gate/core';
import type { RefusalAction } from '@licenzy-gate/core/adapter';
import type { Context, Next } from 'koa';

/**
 * A custom answer for a refused request (`onDenied`, `onUnavailable`). It may respond itself
 * (`ctx.status`, `ctx.body`) or call `next()` to let the request through after all (e.g. a preview).
 *
 * @example
 * const onDenied: KoaRefusalHook = (ctx) => { ctx.status = 402; ctx.body = { upgrade: '/pricing' } }
 */
export type KoaRefusalHook = (ctx: Context, next: Next, error: LicenzyError) => unknown;

/**
 * Throws the typed error (Koa's ctx.onerror and most error middleware honour its status, expose and headers), awaits
 * the route's hook, or answers problem+json.
 */
export async function writeRefusal(action: RefusalAction<KoaRefusalHook>, ctx: Context, next: Next): Promise<void> {
  if (action.type === 'delegate') throw action.error;
  if (action.type === 'hook') {
    await action.hook(ctx, next, action.error);
    return;
  }
  const { problem } = action;
  ctx.status = problem.status;
  ctx.body = problem.body;
  // After the body: assigning an object makes Koa set application/json, which problem+json replaces.
  ctx.set(problem.headers);
}
