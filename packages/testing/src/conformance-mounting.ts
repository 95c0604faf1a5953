// The mounting check: every spelling of a gated path a router may still route to the paid handler must be refused.
import { request as httpRequest } from 'node:http';
import type { ConformanceMock } from './conformance-target.js';
import { expect, uniqueSubject } from './conformance-http.js';

/** One way to spell a request for a gated path: the method and the request-target exactly as sent on the wire. */
export interface PathVariant {
  /** What the variant changes, e.g. `'letter case of the first segment'`. */
  name: string;
  method: 'GET' | 'HEAD' | 'OPTIONS';
  /** Sent byte for byte (no URL normalisation), e.g. `'/%64ownloads/a.pdf'`. */
  path: string;
}

/**
 * `segment` with one ASCII letter percent-encoded: the first letter in lower-case hex (`downloads` → `%64ownloads`),
 * or, for upper-case hex, the first letter whose code has a hex letter in it (`downloads` → `d%6Fwnloads`), so that
 * the two spellings differ where the segment allows it.
 */
function encodeLetter(segment: string, hexCase: 'lower' | 'upper'): string {
  const letters = [...segment.matchAll(/[A-Za-z]/g)].map((match) => match.index);
  const at = hexCase === 'upper' ? (letters.find((index) => /[a-f]/.test(segment.charCodeAt(index).toString(16))) ?? letters[0]) : letters[0];
  if (at === undefined) return segment;
  const hex = segment.charCodeAt(at).toString(16);
  return `${segment.slice(0, at)}%${hexCase === 'upper' ? hex.toUpperCase() : hex}${segment.slice(at + 1)}`;
}

/**
 * Spellings of `path` that a router may still send to the same handler while a path-scoped gate does not see
 * them: letter case, a trailing slash, doubled slashes, percent-encoded letters, dot segments, `HEAD` and
 * `OPTIONS`. The first variant is `path` itself, as `GET`. Requests are meant to be sent raw (see
 * {@link mountingVariantsCase}), since `fetch` would normalise dot segments away.
 *
 * @param path An absolute path with at least one segment, e.g. `'/downloads/a.pdf'`.
 * @example
 * pathVariants('/downloads/a.pdf').map((v) => `${v.method} ${v.path}`)
 * // ['GET /downloads/a.pdf', 'GET /DOWNLOADS/A.PDF', 'GET /DOWNLOADS/a.pdf', …, 'OPTIONS /downloads/a.pdf']
 */
export function pathVariants(path: string): PathVariant[] {
  if (!path.startsWith('/') || path.length < 2) throw new TypeError(`pathVariants: expected an absolute path with a segment, got ${JSON.stringify(path)}`);
  const segments = path.slice(1).split('/');
  const first = segments[0] ?? '';
  const rest = segments.slice(1);
  const join = (head: string, tail: readonly string[] = rest) => `/${[head, ...tail].join('/')}`;
  const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
  const get = (name: string, variantPath: string): PathVariant => ({ name, method: 'GET', path: variantPath });
  const variants: PathVariant[] = [
    get('as documented', path),
    get('whole path in upper case', path.toUpperCase()),
    get('first segment in upper case', join(first.toUpperCase())),
    get('first segment capitalised', join(capitalize(first))),
    get('last segment in upper case', rest.length > 0 ? join(first, [...rest.slice(0, -1), (rest.at(-1) ?? '').toUpperCase()]) : path.toUpperCase()),
    get('trailing slash', `${path}/`),
    get('upper case and trailing slash', `${join(first.toUpperCase())}/`),
    get('doubled leading slash', `/${path}`),
    get('doubled inner slash', path.replace(/\/(?=[^/]*$)/, '//')),
    get('every slash doubled', path.replace(/\//g, '//')),
    get('a letter percent-encoded (lower-case hex)', join(encodeLetter(first, 'lower'))),
    get('a letter percent-encoded (upper-case hex)', join(encodeLetter(first, 'upper'))),
    get('a letter of every segment percent-encoded', `/${segments.map((segment) => encodeLetter(segment, 'lower')).join('/')}`),
    get('percent-encoded slash', rest.length > 0 ? `/${first}%2F${rest.join('%2F')}` : `${path}%2F`),
    get('dot segment', `/.${path}`),
    get('dot-dot segment', `/x/..${path}`),
    get('query string', `${path}?x=1`),
    { name: 'HEAD', method: 'HEAD', path },
    { name: 'HEAD, first segment in upper case', method: 'HEAD', path: join(first.toUpperCase()) },
    { name: 'OPTIONS', method: 'OPTIONS', path },
    { name: 'OPTIONS, first segment in upper case', method: 'OPTIONS', path: join(first.toUpperCase()) },
  ];
  // A one-segment path spells several variants alike (`/PRO` twice); send each request once.
  const unique = new Map<string, PathVariant>();
  for (const variant of variants) if (!unique.has(`${variant.method} ${variant.path}`)) unique.set(`${variant.method} ${variant.path}`, variant);
  return [...unique.values()];
}

/**
 * An app serving one documented mounting pattern (e.g. Koa's prefixed router with `router.use(requireAccess())`),
 * behind server-side demo auth as for {@link ConformanceTarget}, whose paid handler answers a body containing
 * `marker` and counts its runs.
 */
export interface MountingTarget {
  /** Base URL of the app, e.g. `http://127.0.0.1:54321`. */
  url: string;
  mock: Pick<ConformanceMock, 'grant'>;
  /** The gated path as the pattern documents it, e.g. `'/downloads/a.pdf'`. */
  path: string;
  /** A string only the paid handler's body contains. */
  marker: string;
  /** How many times the paid handler has run so far. */
  handlerCalls(): number;
  /** Headers that authenticate a request as `subjectRef`. Default `{ 'x-demo-user': subjectRef }`. */
  authenticate?(subjectRef: string): Record<string, string>;
}

/** A conformance case run per mounting pattern, against a {@link MountingTarget}. */
export interface MountingCase {
  id: string;
  name: string;
  fn(target: MountingTarget): Promise<void>;
}

/** One raw HTTP exchange: the request-target goes out exactly as given (no normalisation, no keep-alive). */
export function rawRequest(base: string, variant: PathVariant, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ host: hostname, port, method: variant.method, path: variant.path, headers, agent: false }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

/**
 * The mounting check: every {@link pathVariants} spelling of the pattern's paid path, sent anonymously and as a
 * subject Licenzy does not know, must never run the paid handler nor return its marker (any refusal, 404 or 405
 * is fine). A paying subject on the documented path must reach it, so the check cannot pass on a dead route.
 *
 * @example
 * it(mountingVariantsCase.name, () => mountingVariantsCase.fn({ url, mock, path: '/downloads/a.pdf', marker, handlerCalls }))
 */
export const mountingVariantsCase: MountingCase = {
  id: 'mounting-variants',
  name: 'MUST NOT reach the paid handler through any spelling of its path (case, slashes, percent-encoding, HEAD, OPTIONS) without access',
  async fn(target) {
    const headersFor = (subjectRef: string) => target.authenticate?.(subjectRef) ?? { 'x-demo-user': subjectRef };
    const payer = uniqueSubject('mount_paid');
    target.mock.grant(payer);
    const start = target.handlerCalls();
    const control = await rawRequest(target.url, { name: 'as documented', method: 'GET', path: target.path }, headersFor(payer));
    expect(control.status === 200 && control.text.includes(target.marker) && target.handlerCalls() === start + 1,
      `a paying subject should reach GET ${target.path} (200 with the marker, handler once); got ${control.status} and ${target.handlerCalls() - start} handler runs`);

    const unpaid = uniqueSubject('mount_unpaid');
    const leaks: string[] = [];
    for (const variant of pathVariants(target.path)) {
      for (const [who, headers] of [['anonymous', {}], ['unpaid', headersFor(unpaid)]] as const) {
        const before = target.handlerCalls();
        const reply = await rawRequest(target.url, variant, headers);
        const ran = target.handlerCalls() - before;
        if (ran > 0 || reply.text.includes(target.marker)) {
          leaks.push(`${variant.method} ${variant.path} (${variant.name}, ${who}) → ${reply.status}${ran > 0 ? `, paid handler ran ${ran}×` : ''}`);
        }
      }
    }
    expect(leaks.length === 0, `the paid handler was reached without access:\n  ${leaks.join('\n  ')}`);
  },
};
