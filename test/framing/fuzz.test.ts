// Fuzz: random bytes into every decoder give frames or coded errors only, and never more than maxFrame held.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FramingError,
  JsonHeaderDecoder,
  LengthDecoder,
  LineDecoder,
  type FrameDecoder,
} from '../../framing/index.ts';
import { cutAt } from './chunks.ts';

const RUNS = { seed: 7, numRuns: 400 };
const MAX_FRAME = 512;
const KNOWN = new Set(['ERR_FRAME_TOO_LARGE', 'ERR_BAD_LENGTH', 'ERR_BAD_HEADER', 'ERR_HEADER_TOO_LARGE', 'ERR_FRAME_TRUNCATED']);

interface Case {
  name: string;
  make: () => FrameDecoder<unknown>;
  /** Most bytes a decoder may hold between pushes: a partial frame and its header. */
  bound: number;
  /** Biased input: valid-looking prefixes make the fuzzer reach past the first header. */
  prefix: fc.Arbitrary<Uint8Array>;
}

const lengthPrefix = fc.integer({ min: 0, max: 700 }).map((n) => Buffer.from([0, 0, n >> 8, n & 0xff]));
const jsonPrefix = fc
  .tuple(fc.integer({ min: 0, max: 700 }), fc.constantFrom('{"data_size":', '{"data_size": -', '[', '{"x":1,"data_size":'))
  .map(([n, start]) => {
    const h = Buffer.from(`${start}${n}}`);
    const len = Buffer.alloc(4);
    len.writeInt32LE(h.length);
    return Buffer.concat([len, h]);
  });

const cases: Case[] = [
  { name: 'length (4, BE)', make: () => new LengthDecoder({ maxFrame: MAX_FRAME }), bound: MAX_FRAME + 4, prefix: lengthPrefix },
  {
    name: 'length (8, LE, signed)',
    make: () => new LengthDecoder({ maxFrame: MAX_FRAME, headerBytes: 8, endian: 'little', signed: true }),
    bound: MAX_FRAME + 8,
    prefix: fc.uint8Array({ minLength: 8, maxLength: 8 }),
  },
  { name: 'line', make: () => new LineDecoder({ maxFrame: MAX_FRAME }), bound: MAX_FRAME, prefix: fc.constant(new Uint8Array()) },
  {
    name: 'line (\\r\\n)',
    make: () => new LineDecoder({ maxFrame: MAX_FRAME, delimiter: '\r\n' }),
    bound: MAX_FRAME + 1,
    prefix: fc.constant(new Uint8Array()),
  },
  {
    name: 'json-header',
    make: () => new JsonHeaderDecoder({ maxFrame: MAX_FRAME, maxHeader: 64 }),
    bound: MAX_FRAME + 64,
    prefix: jsonPrefix,
  },
];

describe('decoders under random bytes', () => {
  it.each(cases)('$name yields frames or coded errors only', ({ make, bound, prefix }) => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(prefix, fc.uint8Array({ maxLength: 900 })), { minLength: 1, maxLength: 4 }),
        fc.array(fc.nat(4000), { maxLength: 30 }),
        (parts, cuts) => {
          const wire = Buffer.concat(parts.flat());
          const decoder = make();
          try {
            for (const chunk of cutAt(wire, cuts)) {
              decoder.push(chunk, () => {});
              expect(decoder.buffered).toBeLessThanOrEqual(bound);
            }
            decoder.end();
          } catch (err) {
            if (!(err instanceof FramingError) || !KNOWN.has(err.code)) throw err;
          }
        },
      ),
      RUNS,
    );
  });
});
