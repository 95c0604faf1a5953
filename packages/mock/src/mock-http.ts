// Low-level HTTP helpers of the Licenzy emulator: capped body reading, abortable waits, and writing answers.
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Largest request body the emulator reads, in bytes (64 KiB); larger bodies get 413.
 * @example
 * readBody(req, MAX_BODY_BYTES);
 */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * Reads a request body as UTF-8 text, giving up at `limit` bytes.
 * Resolves `'too_large'` past the limit and `'aborted'` if the client went away.
 * @example
 * const text = await readBody(req, MAX_BODY_BYTES);
 */
export function readBody(req: IncomingMessage, limit: number): Promise<string | 'too_large' | 'aborted'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: string | 'too_large' | 'aborted') => {
      req.removeAllListeners('data');
      resolve(result);
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Stop buffering; the rest is discarded (the answer closes the connection).
        req.pause();
        finish('too_large');
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => finish(Buffer.concat(chunks).toString('utf8')));
    req.once('error', () => finish('aborted'));
    req.once('aborted', () => finish('aborted'));
  });
}

/**
 * Waits `ms` milliseconds of real time; resolves early (to `false`) when `signal` aborts, else `true`.
 * @example
 * if (!(await wait(50, closing.signal))) return;
 */
export function wait(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Writes a complete answer. `body` is sent as is when it is a string or Buffer, JSON-encoded otherwise,
 * and omitted for statuses that cannot carry one.
 * @example
 * send(res, 200, { subject_ref: 'u', allowed: true });
 */
export function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}, contentType = 'application/json'): void {
  if (res.destroyed || res.writableEnded) return;
  const bodyless = status === 204 || status === 304 || body === undefined;
  const payload = bodyless ? Buffer.alloc(0) : toBuffer(body);
  res.writeHead(status, {
    ...(bodyless ? {} : { 'content-type': contentType }),
    'content-length': String(payload.length),
    ...headers,
  });
  res.end(payload);
}

/**
 * Sends headers now and the body `chunkBytes` at a time every `intervalMs`, stopping if the client leaves or
 * `signal` aborts (then the socket is destroyed so the client sees a truncated body, not a silent stall).
 * @example
 * await drip(res, 200, '{"allowed":true}', { chunkBytes: 1, intervalMs: 10, signal });
 */
export async function drip(
  res: ServerResponse,
  status: number,
  body: string,
  options: { chunkBytes: number; intervalMs: number; signal: AbortSignal },
): Promise<void> {
  const payload = Buffer.from(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(payload.length) });
  res.flushHeaders();
  for (let offset = 0; offset < payload.length; offset += options.chunkBytes) {
    if (offset > 0 && !(await wait(options.intervalMs, options.signal))) {
      res.destroy();
      return;
    }
    if (res.destroyed) return;
    res.write(payload.subarray(offset, offset + options.chunkBytes));
  }
  res.end();
}

function toBuffer(body: unknown): Buffer {
  if (Buffer.isBuffer(body)) return body;
  return Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
}
