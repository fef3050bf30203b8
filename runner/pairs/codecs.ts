// The framings built-in pairs speak, taken from framing/ (DESIGN §5 wire formats).
import { jsonHeaderFraming, lengthFraming, lineFraming } from '../../framing/index.ts';
import type { Framing } from '../scenario/pair-schema.ts';
import type { StreamDecoder } from './frames.ts';

/** A framing seen as bodies in, bodies out: the part of framing/'s codecs the pairs use. */
export interface MessageCodec {
  encode(body: Uint8Array): Buffer;
  decoder(): StreamDecoder<Buffer>;
}

/** json-header carrying only a body (`{"data_size": n}`), as the echo pair uses it. */
function jsonHeaderBodies(): MessageCodec {
  const inner = jsonHeaderFraming();
  return {
    encode: (body) => inner.encode({ body }),
    decoder() {
      const d = inner.decoder();
      return {
        push: (chunk, onFrame) => d.push(chunk, (frame) => onFrame(frame.body)),
        end: () => d.end(),
        get midFrame() {
          return d.midFrame;
        },
      };
    },
  };
}

/** A codec for a stream framing; `none` and `low` are not codecs (the naive and "low" readers). */
export function codecFor(framing: Framing): MessageCodec {
  switch (framing) {
    case 'length':
      return lengthFraming();
    case 'line':
      return lineFraming();
    case 'json-header':
      return jsonHeaderBodies();
    case 'none':
    case 'low':
      throw new TypeError(`framing ${framing} has no codec`);
  }
}

export { jsonHeaderFraming };
