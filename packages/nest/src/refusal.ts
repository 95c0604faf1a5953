// Writes core's refusal decision (delegate, hook or problem+json) for LicenzyGuard and LicenzyUsageInterceptor alike.
import type { ExecutionContext } from '@nestjs/common';
import type { LicenzyError } from '@licenzy-gate/core';
import { toProblem } from '@licenzy-gate/core';
import type { RefusalAction } from '@licenzy-gate/core/adapter';
import { LicenzyException } from './exception.js';
import { answered, send } from './respond.js';

/**
 * Answers a refusal instead of the default problem+json (`onDenied`, `onExhausted`, `onUnavailable`). Either
 * - throw (or reject with) an exception, e.g. `new HttpException({ upgrade: '/pricing' }, 402)`: Nest's exception
 *   filters answer it;
 * - write the response yourself (`context.switchToHttp().getResponse()`), and return;
 * - or return `true` to let the request through anyway (a soft paywall; the handler runs without a grant).
 * Returning anything else without answering sends the default problem+json.
 */
export type NestRefusalHook = (context: ExecutionContext, error: LicenzyError) => unknown;

function answer(error: LicenzyError, response: unknown): never {
  const problem = toProblem(error);
  send(response, problem.status, problem.headers, JSON.stringify(problem.body));
  // Nest's filter sees the response sent and only ends it; a filter of its own can tell by `answered`.
  throw new LicenzyException(error, { answered: true, problem });
}

function afterHook(result: unknown, error: LicenzyError, response: unknown): true {
  if (result === true) return true;
  if (answered(response)) throw new LicenzyException(error, { answered: true });
  return answer(error, response);
}

/**
 * Carries out a refusal: `delegate` throws a {@link LicenzyException} for the app's filters; `problem` writes the
 * problem+json through the platform's response, then throws the same exception marked `answered`; `hook` calls the
 * route's hook (see {@link NestRefusalHook}). Synchronous except for a hook that returns a promise. Resolves `true`
 * only when a hook let the request through.
 */
export function carryOut(action: RefusalAction<NestRefusalHook>, context: ExecutionContext): true | Promise<true> {
  if (action.type === 'delegate') throw new LicenzyException(action.error);
  const response: unknown = context.switchToHttp().getResponse();
  if (action.type === 'problem') {
    send(response, action.problem.status, action.problem.headers, JSON.stringify(action.problem.body));
    throw new LicenzyException(action.error, { answered: true, problem: action.problem });
  }
  const { error } = action;
  const result: unknown = action.hook(context, error);
  if (typeof (result as PromiseLike<unknown> | null)?.then === 'function') {
    return Promise.resolve(result).then((settled) => afterHook(settled, error, response));
  }
  return afterHook(result, error, response);
}
