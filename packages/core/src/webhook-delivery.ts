// What a webhook delivery is to the receiver: the request an adapter hands over and the answer it writes back.

/** Request headers: Node's `IncomingHttpHeaders` (lower-case names) or a fetch `Headers`. */
export type WebhookHeaders = Readonly<Record<string, string | string[] | undefined>> | { get(name: string): string | null };

/** A delivery as an adapter hands it over: headers and the body's bytes exactly as received. */
export interface WebhookRequest {
  readonly headers: WebhookHeaders;
  readonly rawBody: Uint8Array | string;
  /**
   * The header lines as received (Node's `IncomingMessage.rawHeaders`: name, value, name, value…). Node's `headers`
   * (and a fetch `Headers`) join a repeated header into one `a, b` value, which hides the repeat; with `rawHeaders`
   * a header the scheme reads that arrives on more than one line is refused. Every Node adapter passes it.
   */
  readonly rawHeaders?: readonly string[];
}

/** What to answer. `body` is JSON; it never says why a delivery was refused. */
export interface WebhookResponse {
  readonly status: 200 | 400 | 401 | 413 | 500 | 503;
  readonly body:
    | { readonly received: true }
    | { readonly error: 'unauthorized' | 'invalid_payload' | 'payload_too_large' | 'misconfigured' | 'unavailable' };
}

/**
 * One header's value (`name` in lower case); `undefined` when absent or repeated. A repeated header is ambiguous
 * (which line did the sender mean?): it is refused rather than one line picked, whether it arrives as an array, or
 * as two lines of `rawHeaders` that `headers` joined into one value.
 */
export function headerValue(request: WebhookRequest, name: string): string | undefined {
  const value = rawValue(request, name);
  if (typeof value !== 'string') return undefined;
  return linesOf(request.rawHeaders, name) > 1 ? undefined : value;
}

/** Why {@link headerValue} gave nothing for `name`, for the refusal's log line: not sent, or sent more than once. */
export function headerAbsence(request: WebhookRequest, name: string): 'missing headers' | 'repeated header' {
  const value = rawValue(request, name);
  return Array.isArray(value) || (typeof value === 'string' && linesOf(request.rawHeaders, name) > 1) ? 'repeated header' : 'missing headers';
}

function rawValue(request: WebhookRequest, name: string): unknown {
  const headers = request.headers;
  if (typeof headers !== 'object' || headers === null) return undefined;
  return typeof (headers as { get?: unknown }).get === 'function'
    ? (headers as { get(name: string): string | null }).get(name)
    : (headers as Record<string, string | string[] | undefined>)[name];
}

/** How many lines of `rawHeaders` carry header `name` (lower case); 0 when the adapter passed none. */
function linesOf(rawHeaders: readonly string[] | undefined, name: string): number {
  if (!Array.isArray(rawHeaders)) return 0;
  let lines = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const line = rawHeaders[i];
    if (typeof line === 'string' && line.length === name.length && line.toLowerCase() === name) lines++;
  }
  return lines;
}
