// Writes core's refusal decision (delegate, hook or problem+json) for requireAccess() and requireUsage() alike.
import type { RefusalAction } from '@licenzy-gate/core';
import type { Context, Next } from 'koa';
import type { KoaRefusalHook } from './require-access.js';

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
