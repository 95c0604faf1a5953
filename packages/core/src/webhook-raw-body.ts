// Reads a Node request's raw body for signature checks, up to a cap, without buffering past it.

/** The parts of a Node `IncomingMessage` that {@link readRawBody} uses. */
export interface RawBodySource {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly readableEnded: boolean;
  on(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  removeListener(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  removeListener(event: 'end', listener: () => void): unknown;
  removeListener(event: 'error', listener: (error: Error) => void): unknown;
  pause(): unknown;
}

/**
 * Reads a Node request body up to `limit` bytes. Resolves `undefined` as soon as the body is known to be larger
 * (from `content-length`, or while reading) without buffering the rest; rejects when the body was already read
 * (a body parser ran first). For adapters of Node HTTP frameworks.
 *
 * @example
 * const rawBody = await readRawBody(req, receiver.maxBodyBytes)
 * if (rawBody === undefined) return send(receiver.tooLarge())
 */
export function readRawBody(source: RawBodySource, limit: number): Promise<Buffer | undefined> {
  if (source.readableEnded) return Promise.reject(new Error('the request body was already read (is a body parser mounted before the webhook handler?)'));
  const declared = Number(source.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      source.removeListener('data', onData);
      source.removeListener('end', onEnd);
      source.removeListener('error', onError);
    };
    const onData = (chunk: Buffer | string) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += bytes.length;
      if (size > limit) {
        // Stop at the first byte over the cap; Node discards the rest after the response, nothing more is kept.
        stop();
        source.pause();
        chunks.length = 0;
        resolve(undefined);
        return;
      }
      chunks.push(bytes);
    };
    const onEnd = () => {
      stop();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      stop();
      reject(error);
    };
    source.on('data', onData);
    source.on('end', onEnd);
    source.on('error', onError);
  });
}
