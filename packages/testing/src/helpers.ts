// Small helpers for an app's own tests (and ours): a server on a free loopback port, a logger that keeps its lines,
// subjects no other test uses, and a fetch that parses JSON. One of each, instead of a copy per test suite.
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A listening server: its base URL, and `close()` that also ends keep-alive connections. */
export interface ListeningServer {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1, port 0 (the OS picks a free port). Takes a Node server, or a request listener such as an
 * Express app or Koa's `app.callback()`.
 *
 * @example
 * const { url, close } = await listen(app) // Express
 * const koa = await listen(app.callback())  // Koa
 */
export async function listen(target: Server | RequestListener): Promise<ListeningServer> {
  const server = typeof target === 'function' ? createServer(target) : target;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** One logged line, as {@link captureLogger} keeps it. */
export interface CapturedLine {
  readonly level: 'warn' | 'error';
  readonly message: string;
  readonly details: Record<string, unknown> | undefined;
}

/**
 * A `{ warn, error }` logger (the shape licenzy-gate's `logger` option takes) that keeps every line, to assert on what
 * was logged and keep test output quiet. `text()` gives each line as `level message {details}`.
 *
 * @example
 * const logger = captureLogger()
 * app.use(requireAccess({ gate, logger }))
 * expect(logger.text().filter((line) => line.includes('misconfigured'))).toHaveLength(1)
 */
export function captureLogger(): {
  warn(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
  readonly lines: CapturedLine[];
  text(): string[];
} {
  const lines: CapturedLine[] = [];
  return {
    lines,
    warn: (message, details) => void lines.push({ level: 'warn', message, details }),
    error: (message, details) => void lines.push({ level: 'error', message, details }),
    text: () => lines.map((line) => `${line.level} ${line.message} ${JSON.stringify(line.details ?? {})}`),
  };
}

let sequence = 0;

/**
 * A subject_ref no other test in this process has used (`<prefix>_<pid>_<n>`), so a decision cached by one test
 * never answers another.
 *
 * @example
 * const subject = uniqueSubject('paid'); mock.grant(subject)
 */
export function uniqueSubject(prefix = 'subject'): string {
  sequence += 1;
  return `${prefix}_${process.pid}_${sequence}`;
}

/** What {@link fetchJson} saw: status, headers, raw text, and the body parsed when it is JSON. */
export interface JsonReply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: Record<string, unknown> | undefined;
}

/**
 * `fetch`, then the body as text and (when it parses) as a JSON object — for JSON answers and problem+json refusals.
 *
 * @example
 * const { status, json } = await fetchJson(`${url}/pro`, { headers: { authorization: 'Demo user_1' } })
 */
export async function fetchJson(url: string, init: RequestInit = {}): Promise<JsonReply> {
  const response = await fetch(url, init);
  const text = await response.text();
  let json: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    json = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}
