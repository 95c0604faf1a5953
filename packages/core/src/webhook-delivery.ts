// What a webhook delivery is to the receiver: the request an adapter hands over and the answer it writes back.

/** Request headers: Node's `IncomingHttpHeaders` (lower-case names) or a fetch `Headers`. */
export type WebhookHeaders = Readonly<Record<string, string | string[] | undefined>> | { get(name: string): string | null };

/** A delivery as an adapter hands it over: headers and the body's bytes exactly as received. */
export interface WebhookRequest {
  readonly headers: WebhookHeaders;
  readonly rawBody: Uint8Array | string;
}

/** What to answer. `body` is JSON; it never says why a delivery was refused. */
export interface WebhookResponse {
  readonly status: 200 | 400 | 401 | 413 | 503;
  readonly body: { readonly received: true } | { readonly error: 'unauthorized' | 'invalid_payload' | 'payload_too_large' | 'unavailable' };
}

/** One header's value; `undefined` when absent or repeated. */
export function headerValue(headers: WebhookHeaders, name: string): string | undefined {
  const value = typeof (headers as { get?: unknown }).get === 'function'
    ? (headers as { get(name: string): string | null }).get(name)
    : (headers as Record<string, string | string[] | undefined>)[name];
  // A repeated signature header is ambiguous: refuse rather than pick one.
  return typeof value === 'string' ? value : undefined;
}
