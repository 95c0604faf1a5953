// Reads a Web-standard body (a fetch Response's or Request's) up to a byte cap, never buffering past it.

/**
 * The body's bytes, or `undefined` when it is larger than `max` (declared by `content-length`, or once more than `max`
 * bytes arrived; the rest is cancelled, not read). A missing body is zero bytes.
 *
 * @example
 * const bytes = await readBodyCapped(request, 64 * 1024) // undefined: answer 413
 */
export async function readBodyCapped(message: { headers: { get(name: string): string | null }; body: ReadableStream<Uint8Array> | null }, max: number): Promise<Uint8Array | undefined> {
  const declared = Number(message.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) {
    await message.body?.cancel().catch(() => undefined);
    return undefined;
  }
  if (message.body === null) return new Uint8Array(0);
  const reader = message.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
