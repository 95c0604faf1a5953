// readBodyCapped: the one capped reader of Web-standard bodies (Licenzy's answers in the client, webhook requests in fetch).
import { describe, expect, it } from 'vitest';
import { readBodyCapped } from '../src/capped-body.js';

const streamOf = (...chunks: string[]) => {
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = chunks[pulled++];
      if (next === undefined) controller.close();
      else controller.enqueue(new TextEncoder().encode(next));
    },
  }, { highWaterMark: 0 }); // pulled only when read, so the counts below are exact
  return { stream, pulled: () => pulled };
};

describe('readBodyCapped', () => {
  it('returns every byte of a body at the cap, joined across chunks', async () => {
    const { stream } = streamOf('{"a"', ':1}');
    const bytes = await readBodyCapped({ headers: new Headers(), body: stream }, 7);
    expect(new TextDecoder().decode(bytes)).toBe('{"a":1}');
  });

  it('refuses a body one byte over the cap and stops reading it', async () => {
    const { stream, pulled } = streamOf('1234', '5678', 'never read');
    expect(await readBodyCapped({ headers: new Headers(), body: stream }, 7)).toBeUndefined();
    expect(pulled()).toBe(2);
  });

  it('refuses a declared content-length over the cap without reading a byte', async () => {
    const { stream, pulled } = streamOf('x');
    expect(await readBodyCapped({ headers: new Headers({ 'content-length': '8' }), body: stream }, 7)).toBeUndefined();
    expect(pulled()).toBe(0);
  });

  it('reads a missing body as zero bytes', async () => {
    expect((await readBodyCapped({ headers: new Headers(), body: null }, 7))?.byteLength).toBe(0);
  });
});
