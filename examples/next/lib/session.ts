// The example's stand-in for a real session store (demo only): an opaque cookie value → a user id kept on the server.
import { cookies } from 'next/headers';

/** The cookie that carries the session id. */
export const SESSION_COOKIE = 'demo_session';

// ---------------------------------------------------------------------------------------------------------------
// DEMO ONLY: a fixed table of sessions. A real app looks the cookie up in its session store (Auth.js, iron-session,
// a database) or verifies a signed token; what matters is that the user id comes from the SERVER's records, never
// from the URL, the query, a form field or a header the client sets.
// ---------------------------------------------------------------------------------------------------------------
const SESSIONS: ReadonlyMap<string, string> = new Map([
  ['demo-session-paid', 'user_paid'],
  ['demo-session-free', 'user_free'],
  // Two more for the smoke test, each asked about first in one test: a second paying user and an outage's victim.
  ['demo-session-paid-2', 'user_paid_2'],
  ['demo-session-outage', 'user_outage'],
]);

/** The demo sessions a visitor can sign in as, by label (the sign-in form's choices). */
export const DEMO_SIGN_INS: Readonly<Record<string, string>> = { paid: 'demo-session-paid', free: 'demo-session-free' };

/** The user id of a session id, or undefined for none or an unknown one. */
export function userOfSession(sessionId: string | undefined): string | undefined {
  return sessionId === undefined ? undefined : SESSIONS.get(sessionId);
}

/** The session id in a `Cookie` header, or undefined. */
function sessionCookie(header: string | null): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === SESSION_COOKIE) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

/** The subject of a route handler's request: the user of its session cookie (the `subject` of withAccess). */
export function userOfRequest(request: Request): string | undefined {
  return userOfSession(sessionCookie(request.headers.get('cookie')));
}

/** The subject of a server action or a server component: the user of the current request's session cookie. */
export async function currentUserId(): Promise<string | undefined> {
  return userOfSession((await cookies()).get(SESSION_COOKIE)?.value);
}
