// The typed HttpException a refusal becomes in Nest: thrown for the app's exception filters (`delegateErrors`), or after
// the guard answered itself, so Nest's own filter sees a response already sent and only ends it.
import { HttpException } from '@nestjs/common';
import { toProblem, type LicenzyError, type LicenzyErrorCode, type Problem } from '@licenzy-gate/core';

/**
 * A refused request as a Nest `HttpException`: `getStatus()` and `getResponse()` are the problem+json status and
 * body the other adapters send (`{ type, title, status, code }`), `problem.headers` its headers (`Retry-After` on a
 * 503, `Cache-Control: no-store`), `code` and `cause` the typed {@link LicenzyError}. Catch it with
 * `@Catch(LicenzyException)` to decide the answer yourself (with `delegateErrors: true`).
 *
 * `answered` is true when the guard or interceptor already wrote the refusal (the default): a filter of your own that
 * catches everything should then leave the response alone (Nest's own filter only ends it).
 *
 * @example
 * @Catch(LicenzyException)
 * class PaywallFilter implements ExceptionFilter {
 *   catch(exception: LicenzyException, host: ArgumentsHost) {
 *     const res = host.switchToHttp().getResponse<Response>()
 *     if (exception.code === 'ERR_LICENZY_ACCESS_DENIED') return void res.redirect(303, '/pricing')
 *     res.status(exception.getStatus()).set(exception.problem.headers).json(exception.problem.body)
 *   }
 * }
 */
export class LicenzyException extends HttpException {
  /** The error's stable code, e.g. `'ERR_LICENZY_ACCESS_DENIED'`, for `switch (exception.code)`. */
  readonly code: LicenzyErrorCode;
  /** The problem+json answer the other adapters send for this refusal. */
  readonly problem: Problem;
  /** The response was already written by licenzy-gate; nothing is left to send. */
  readonly answered: boolean;
  override readonly cause: LicenzyError;

  constructor(error: LicenzyError, options: { answered?: boolean; problem?: Problem } = {}) {
    const problem = options.problem ?? toProblem(error);
    super(problem.body, problem.status, { cause: error });
    this.name = 'LicenzyException';
    this.code = error.code;
    this.problem = problem;
    this.answered = options.answered === true;
    this.cause = error;
  }
}
