// The index page (free): who is signed in, the demo sign-in, and the paid export behind a server action.
import { signIn } from './actions';
import { ExportForm } from './export-form';
import { currentUserId } from '../lib/session';

// Read per request: the page shows the session's user.
export const dynamic = 'force-dynamic';

export default async function Home() {
  const user = await currentUserId();
  return (
    <main>
      <h1>licenzy-gate Next.js example</h1>
      <p id="who">{user === undefined ? 'Not signed in.' : `Signed in as ${user}.`}</p>
      <form action={signIn}>
        <button type="submit" name="as" value="paid">Sign in as user_paid (demo)</button>{' '}
        <button type="submit" name="as" value="free">Sign in as user_free (demo)</button>{' '}
        <button type="submit" name="as" value="">Sign out</button>
      </form>
      <p>
        Paid route handler: <a href="/api/pro/report">GET /api/pro/report</a>. After checkout, poll{' '}
        <a href="/api/access-status">GET /api/access-status</a>.
      </p>
      <ExportForm />
    </main>
  );
}
