// The fetch adapter has no default subject: a `Request` carries no server-side identity, only client input.
import { LicenzyConfigError } from '@licenzy-gate/core';

/**
 * Returns the route's `subject` resolver, or throws at setup when there is none. Other adapters read the identity
 * that auth middleware put on the request (`req.user.id`); a Web `Request` has no such place, and its URL, query,
 * headers and cookies are all client input, so nothing is read from it by default.
 * @throws {LicenzyConfigError} naming `subject`.
 */
export function requiredSubject<Req>(options: object | undefined): (req: Req) => unknown {
  const subject = (options as { subject?: unknown } | undefined)?.subject;
  if (typeof subject === 'function') return subject as (req: Req) => unknown;
  throw new LicenzyConfigError(
    'subject',
    subject === undefined
      ? 'is required: a function (request) => subject reading your server-side session or verified token (a Request carries no identity of its own, and its URL, query and headers are client input)'
      : `expected a function (request) => subject, got ${subject === null ? 'null' : typeof subject}`,
  );
}

/** The `defaultSubject` handed to core once `requiredSubject` has checked there is a resolver: never called. */
export function noDefaultSubject(): undefined {
  return undefined;
}
