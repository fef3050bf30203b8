// Property tests: for every stream framing, any messages, encoded and cut anywhere, decode to themselves.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DelimiterInBodyError,
  jsonHeaderFraming,
  lengthFraming,
  lineFraming,
  type Framing,
  type LengthOptions,
} from '../../framing/index.ts';
import { cutAt, decodeAll } from './chunks.ts';

const RUNS = { seed: 20240611, numRuns: 150 };

/** Messages, their encodings glued into one stream, and the cut points applied to it. */
function roundTrip<In, Out>(framing: Framing<In, Out>, messages: In[], cuts: number[]): Out[] {
  const wire = Buffer.concat(messages.map((m) => framing.encode(m)));
  return decodeAll(framing.decoder(), cutAt(wire, cuts.map((c) => Math.floor(c * wire.length))));
}

const cutPoints = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 40 });
const bodies = fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 25 });

describe('every stream framing survives arbitrary cuts', () => {
  const lengthShapes: LengthOptions[] = [
    {},
    { headerBytes: 1 },
    { headerBytes: 2, endian: 'little' },
    { headerBytes: 4, signed: true, endian: 'little' },
    { headerBytes: 8, signed: true },
  ];
  it.each(lengthShapes)('length %o', (opts) => {
    const framing = lengthFraming(opts);
    const fit = opts.headerBytes === 1 ? 255 : 300;
    fc.assert(
      fc.property(bodies, cutPoints, (raw, cuts) => {
        const messages = raw.map((b) => Buffer.from(b.subarray(0, fit)));
        expect(roundTrip(framing, messages, cuts)).toEqual(messages);
      }),
      RUNS,
    );
  });

  it.each(['\n', '\r\n', 'aa', 'aba', '\0\0\0'])('line with delimiter %j', (delimiter) => {
    const framing = lineFraming({ delimiter });
    // Bytes drawn mostly from the delimiter's own alphabet, so near-misses are common; then repaired.
    const alphabet = [...new Set([...Buffer.from(delimiter), 0x62, 0x0a])];
    const body = fc.array(fc.constantFrom(...alphabet), { maxLength: 40 }).map((b) => withoutDelimiter(Buffer.from(b), delimiter));
    fc.assert(
      fc.property(fc.array(body, { maxLength: 25 }), cutPoints, (messages, cuts) => {
        expect(roundTrip(framing, messages, cuts)).toEqual(messages);
      }),
      RUNS,
    );
  });

  it('json-header', () => {
    const framing = jsonHeaderFraming();
    const header = fc.dictionary(fc.string({ maxLength: 8 }).filter((k) => k !== 'data_size' && k !== '__proto__'), fc.jsonValue({ maxDepth: 2 }), {
      maxKeys: 4,
    });
    const message = fc.record({ header, body: fc.uint8Array({ maxLength: 300 }) });
    fc.assert(
      fc.property(fc.array(message, { maxLength: 20 }), cutPoints, (messages, cuts) => {
        const frames = roundTrip(framing, messages, cuts);
        expect(frames.map((f) => f.body)).toEqual(messages.map((m) => Buffer.from(m.body)));
        // JSON itself normalises some values (-0 becomes 0), so compare with what JSON makes of the header.
        expect(frames.map((f) => f.header)).toEqual(
          messages.map((m) => JSON.parse(JSON.stringify({ ...m.header, data_size: m.body.length }))),
        );
      }),
      RUNS,
    );
  });
});

/** Replace bytes until encoding no longer finds the delimiter early ('z' is in no delimiter tested). */
function withoutDelimiter(body: Buffer, delimiter: string): Buffer {
  const framing = lineFraming({ delimiter });
  for (;;) {
    try {
      framing.encode(body);
      return body;
    } catch (err) {
      if (!(err instanceof DelimiterInBodyError)) throw err;
      body[err.index] = 0x7a;
    }
  }
}
