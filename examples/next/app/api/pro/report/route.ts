// A paid route handler: GET /api/pro/report answers only a subject Licenzy says has access.
import { decisionOf } from '@licenzy-gate/fetch';
import { paidRoute } from '../../../../lib/licenzy';

// Per request, never prerendered: the answer depends on who asks.
export const dynamic = 'force-dynamic';

/**
 * 200 with the report for an entitled user; otherwise the handler never runs and the gate answers 401 (no session),
 * 403 (no entitlement) or 503 with Retry-After (Licenzy unreachable), as application/problem+json.
 * paidRoute is withAccess(handler, { subject: userOfRequest }), set up on the first request (lib/licenzy.ts).
 */
export const GET = paidRoute(async (request: Request) => {
  const decision = decisionOf(request);
  // The same JSON as the Express, Koa and Fastify examples: { report, subjectRef, source }.
  return Response.json({ report: 'Quarterly numbers, for paying users only', subjectRef: decision?.subjectRef, source: decision?.source });
});
