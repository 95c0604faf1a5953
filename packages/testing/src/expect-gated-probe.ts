// expectGated's probe: every paid route, in every spelling a router may still route, sent without access over HTTP.
import type { RequestListener } from 'node:http';
import type { RouteInventoryEntry } from '@licenzy-gate/core/adapter';
import { pathVariants, rawRequest, type PathVariant } from './conformance-mounting.js';
import { listen, uniqueSubject } from './helpers.js';

/** One probe exchange, as {@link ProbeOptions.handlerRan} sees it. */
export interface ProbeReply {
  /** The route probed, as listed. */
  readonly route: RouteInventoryEntry;
  /** The spelling sent: method and raw request-target. */
  readonly variant: PathVariant | { name: string; method: string; path: string };
  readonly who: 'anonymous' | 'unentitled';
  readonly status: number;
  readonly text: string;
}

/** Where and how {@link expectGated} probes. */
export interface ProbeOptions {
  /** Base URL of the app, already listening (e.g. `http://127.0.0.1:54321`). Or give `listener`. */
  readonly url: string;
  /** A Node request listener (an Express app, Koa's `app.callback()`) served on a free port for the probe. */
  readonly listener: RequestListener;
  /** Headers that authenticate a request as `subjectRef`. Default `{ 'x-demo-user': subjectRef }`. */
  authenticate(subjectRef: string): Record<string, string>;
  /**
   * Whether the paid handler ran for this exchange. Default: a 2xx answer to the route's method or HEAD (routers
   * answer OPTIONS themselves, so an OPTIONS 2xx does not count). Count your handler's runs for a sharper test.
   */
  handlerRan(reply: ProbeReply): boolean;
  /** A concrete path for a route pattern, or `undefined` to skip it. Default: each parameter or wildcard → `sample`. */
  samplePath(route: RouteInventoryEntry): string | undefined;
}

/** `/teams/:team/files/*rest` → `/teams/sample/files/sample`; optional groups (`{…}`) dropped; a regex route skipped. */
export function defaultSamplePath(route: Pick<RouteInventoryEntry, 'path'>): string | undefined {
  const path = route.path.replace(/\{[^{}]*\}/g, '');
  const segments = path.split('/').map((segment) => (/^(?::\w+\??|\*\w*)$/.test(segment) ? 'sample' : segment));
  const sample = segments.join('/') || '/';
  return /^\/[\w.~%@!$&'=,;-]+(?:\/[\w.~%@!$&'=,;-]*)*$/.test(sample) ? sample : undefined;
}

function defaultHandlerRan(reply: ProbeReply): boolean {
  return reply.variant.method !== 'OPTIONS' && reply.status >= 200 && reply.status < 300;
}

/** The probe's failures: one line per spelling and caller that ran a paid handler. */
export async function probePaidRoutes(routes: readonly RouteInventoryEntry[], options: Partial<ProbeOptions>): Promise<string[]> {
  if (options.url === undefined && options.listener === undefined) throw new TypeError('expectGated: `probe: true` needs `url` (a listening app) or `listener`');
  const served = options.url === undefined && options.listener !== undefined ? await listen(options.listener) : undefined;
  const url = options.url ?? served?.url ?? '';
  const authenticate = options.authenticate ?? ((subjectRef: string) => ({ 'x-demo-user': subjectRef }));
  const handlerRan = options.handlerRan ?? defaultHandlerRan;
  const samplePath = options.samplePath ?? defaultSamplePath;
  const problems: string[] = [];
  try {
    for (const route of routes) {
      const path = samplePath(route);
      if (path === undefined || path === '/') continue;
      const method = route.method === '*' ? 'GET' : route.method;
      for (const variant of pathVariants(path)) {
        // The spellings are GET's; a paid POST route is sent as POST, HEAD and OPTIONS as they are.
        const sent = variant.method === 'GET' ? { ...variant, method } : variant;
        for (const who of ['anonymous', 'unentitled'] as const) {
          const headers = who === 'anonymous' ? {} : authenticate(uniqueSubject('probe_unentitled'));
          const { status, text } = await rawRequest(url, sent as PathVariant, headers);
          if (handlerRan({ route, variant: sent, who, status, text })) {
            problems.push(`${sent.method} ${sent.path} (${variant.name}, ${who}) → ${status}, for ${route.method} ${route.path}`);
          }
        }
      }
    }
  } finally {
    await served?.close();
  }
  return problems;
}
