// CRC-32: the standard check value, and agreement with zlib's on arbitrary inputs and ranges.
import zlib from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../../../framing/reliable-udp/crc32.ts';

describe('crc32', () => {
  it('gives the standard check value for "123456789"', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.alloc(0))).toBe(0);
  });

  it('agrees with zlib on any bytes and any sub-range', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.nat(), fc.nat(), (bytes, x, y) => {
        const buf = Buffer.from(bytes);
        const start = bytes.length === 0 ? 0 : x % (bytes.length + 1);
        const end = start + (bytes.length === 0 ? 0 : y % (bytes.length - start + 1));
        expect(crc32(buf, start, end)).toBe(zlib.crc32(buf.subarray(start, end)));
      }),
      { seed: 3, numRuns: 300 },
    );
  });
});
