// Writes core's refusal decision (delegate, hook or problem+json) for requireAccess() and requireUsage() alike.
import type { LicenzyError } from '@licenzy-gate/core';
import type { RefusalAction } from '@licenzy-gate/core/adapter';
import type { NextFunction, Request, Response } from 'express';

/**
 * Answers a refusal instead of the default problem+json (`onDenied`, `onUnavailable`). Send a response,
 * or call `next()` / `next(err)`. A thrown error or rejected promise is handed to `next(err)`.
 */
export type ExpressRefusalHook = (req: Request, res: Response, next: NextFunction, error: LicenzyError) => void;

/** @deprecated The same type under its old name: use {@link ExpressRefusalHook} (one naming pattern in every adapter). */
export type ExpressDeniedHandler = ExpressRefusalHook;

/**
 * Delegates to `next(err)`, calls the route's hook, or answers problem+json. What a hook throws or rejects with goes
 * to Express's error handling, never to the process; a send that fails (headers already sent) goes to `next` too.
 */
export function writeRefusal(action: RefusalAction<ExpressRefusalHook>, req: Request, res: Response, next: NextFunction): void {
  if (action.type === 'delegate') return next(action.error);
  if (action.type === 'hook') {
    // `next(undefined)` would run the route handler, so an empty rejection still counts as a failure.
    const fail = (reason: unknown) => next(reason ?? new Error('licenzy-gate: a refusal hook failed without a reason'));
    try {
      const returned: unknown = action.hook(req, res, next, action.error);
      if (typeof (returned as PromiseLike<unknown> | undefined)?.then === 'function') (returned as PromiseLike<unknown>).then(undefined, fail);
    } catch (hookError) {
      fail(hookError);
    }
    return;
  }
  const { problem } = action;
  try {
    res.status(problem.status).set(problem.headers).json(problem.body);
  } catch (sendError) {
    // e.g. headers already sent by earlier middleware: let Express end the response its way.
    next(sendError);
  }
}
