// GET /api/access-status: the page checkout returns to polls this until the signed-in user's access is active.
import { accessStatus } from '@licenzy-gate/fetch';
import { onFirstRequest } from '../../../lib/licenzy';
import { userOfRequest } from '../../../lib/session';

export const dynamic = 'force-dynamic';

/** 200 {"allowed":true} as soon as the session's user has access, else 202 after waiting up to 5 s server-side. */
export const GET = onFirstRequest(() => accessStatus({ subject: userOfRequest, wait: 5_000 }));
