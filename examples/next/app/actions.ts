'use server';
// Server actions: the export is guarded by assertAccess on the session's user; the demo sign-in sets the session.
import { LicenzyRefusalError, assertAccess, type Problem } from '@licenzy-gate/fetch';
import { cookies } from 'next/headers';
import { actionAccess } from '../lib/licenzy';
import { DEMO_SIGN_INS, SESSION_COOKIE, currentUserId } from '../lib/session';

/** What the export form shows: nothing yet, the report, or the refusal's problem body. */
export type ExportState = { report: string; subjectRef: string } | { error: Problem['body'] } | null;

/**
 * Exports the report for the signed-in user, if Licenzy says they have access. The subject comes from the session,
 * never from the form: anyone can post any form field to an action. A refusal is returned, not thrown: Next.js
 * replaces a thrown error's message with a digest in production, so the page could not say why.
 */
export async function exportReport(_previous: ExportState, _form: FormData): Promise<ExportState> {
  try {
    const decision = await assertAccess(await currentUserId(), actionAccess);
    return { report: 'Quarterly export, for paying users only', subjectRef: decision.subjectRef };
  } catch (error) {
    if (error instanceof LicenzyRefusalError) return { error: error.problem };
    throw error;
  }
}

/** DEMO ONLY: signs in as one of the fixed demo sessions (a real app signs in through its auth provider). */
export async function signIn(form: FormData): Promise<void> {
  const session = DEMO_SIGN_INS[String(form.get('as'))];
  const jar = await cookies();
  if (session === undefined) jar.delete(SESSION_COOKIE);
  else jar.set(SESSION_COOKIE, session, { httpOnly: true, sameSite: 'lax', path: '/' });
}
