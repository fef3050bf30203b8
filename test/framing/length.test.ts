// Length-prefixed framing: every header shape round-trips, bad lengths are refused before any buffering.
import { describe, expect, it } from 'vitest';
import { LengthDecoder, encodeLengthFrame, lengthFraming, lengthHeader, type LengthOptions } from '../../framing/index.ts';
import { bytewise, decodeAll } from './chunks.ts';
import { codeOf } from './codes.ts';

const shapes: LengthOptions[] = [];
for (const headerBytes of [1, 2, 4, 8] as const)
  for (const endian of ['big', 'little'] as const)
    for (const signed of [false, true]) shapes.push({ headerBytes, endian, signed });

describe('length framing', () => {
  it("defaults to a 4-byte unsigned big-endian header (Python's struct.pack('!I', n))", () => {
    expect(encodeLengthFrame(Buffer.from('hello'))).toEqual(Buffer.from('0000000568656c6c6f', 'hex'));
    expect(lengthHeader(258)).toEqual(Buffer.from([0, 0, 1, 2]));
  });

  it.each(shapes)('round-trips with %o, one byte at a time and all at once', (opts) => {
    const bodies = [Buffer.alloc(0), Buffer.from('a'), Buffer.alloc(100, 7)];
    const wire = Buffer.concat(bodies.map((b) => encodeLengthFrame(b, opts)));
    expect(decodeAll(new LengthDecoder(opts), [wire])).toEqual(bodies);
    expect(decodeAll(new LengthDecoder(opts), bytewise(wire))).toEqual(bodies);
  });

  it('writes little-endian and signed headers as asked', () => {
    expect(lengthHeader(1, { headerBytes: 2, endian: 'little' })).toEqual(Buffer.from([1, 0]));
    expect(lengthHeader(1, { headerBytes: 8 })).toEqual(Buffer.from([0, 0, 0, 0, 0, 0, 0, 1]));
  });

  it('refuses a body its header cannot describe, or one above maxFrame', () => {
    expect(codeOf(() => encodeLengthFrame(Buffer.alloc(256), { headerBytes: 1 }))).toBe('ERR_FRAME_TOO_LARGE');
    expect(codeOf(() => encodeLengthFrame(Buffer.alloc(128), { headerBytes: 1, signed: true }))).toBe('ERR_FRAME_TOO_LARGE');
    expect(codeOf(() => encodeLengthFrame(Buffer.alloc(11), { maxFrame: 10 }))).toBe('ERR_FRAME_TOO_LARGE');
    expect(encodeLengthFrame(Buffer.alloc(255), { headerBytes: 1 })).toHaveLength(256);
  });

  it('rejects negative signed lengths', () => {
    const d = new LengthDecoder({ signed: true });
    expect(codeOf(() => d.push(Buffer.from([0xff, 0xff, 0xff, 0xfe])))).toBe('ERR_BAD_LENGTH');
    const d8 = new LengthDecoder({ headerBytes: 8, signed: true, endian: 'little' });
    expect(codeOf(() => d8.push(Buffer.from([1, 0, 0, 0, 0, 0, 0, 0x80])))).toBe('ERR_BAD_LENGTH');
  });

  it('rejects an oversized length as soon as the header is read, holding nothing for the body', () => {
    const d = new LengthDecoder({ maxFrame: 1000 });
    expect(codeOf(() => d.push(Buffer.from([0, 0, 0x03, 0xe9])))).toBe('ERR_FRAME_TOO_LARGE');
    expect(d.buffered).toBe(0);
    const huge = new LengthDecoder({ headerBytes: 8 });
    expect(codeOf(() => huge.push(Buffer.from('ffffffffffffffff', 'hex')))).toBe('ERR_FRAME_TOO_LARGE');
  });

  it('does not allocate the declared length up front (6 bytes declaring 2^30)', () => {
    const d = new LengthDecoder({ maxFrame: 2 ** 31 });
    const before = process.memoryUsage().arrayBuffers;
    d.push(Buffer.from([0x40, 0, 0, 0, 1, 2]));
    expect(d.buffered).toBe(2);
    expect(d.midFrame).toBe(true);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
    expect(codeOf(() => d.end())).toBe('ERR_FRAME_TRUNCATED');
  });

  it('reports a stream that ends inside a header or a body, and accepts a clean end', () => {
    expect(codeOf(() => decodeAll(new LengthDecoder(), [Buffer.from([0, 0])]))).toBe('ERR_FRAME_TRUNCATED');
    expect(codeOf(() => decodeAll(new LengthDecoder(), [Buffer.from([0, 0, 0, 2, 9])]))).toBe('ERR_FRAME_TRUNCATED');
    expect(decodeAll(new LengthDecoder(), [Buffer.from([0, 0, 0, 1, 9])])).toEqual([Buffer.from([9])]);
  });

  it('delivers the frames before bad bytes to a callback, then fails for good', () => {
    const d = new LengthDecoder({ maxFrame: 4 });
    const wire = Buffer.concat([encodeLengthFrame(Buffer.from('ok')), Buffer.from([0, 0, 0, 9])]);
    const got: string[] = [];
    expect(codeOf(() => d.push(wire, (f) => got.push(f.toString())))).toBe('ERR_FRAME_TOO_LARGE');
    expect(got).toEqual(['ok']);
    expect(codeOf(() => d.push(encodeLengthFrame(Buffer.from('x'))))).toBe('ERR_FRAME_TOO_LARGE');
    expect(codeOf(() => d.end())).toBe('ERR_FRAME_TOO_LARGE');
    expect(codeOf(() => new LengthDecoder({ maxFrame: 4 }).push(wire))).toBe('ERR_FRAME_TOO_LARGE');
  });

  it('validates its options', () => {
    expect(codeOf(() => new LengthDecoder({ headerBytes: 3 as 4 }))).toBe('ERR_FRAMING_OPTION');
    expect(codeOf(() => new LengthDecoder({ maxFrame: -1 }))).toBe('ERR_FRAMING_OPTION');
    expect(codeOf(() => new LengthDecoder({ maxFrame: 1.5 }))).toBe('ERR_FRAMING_OPTION');
    expect(codeOf(() => new LengthDecoder({ endian: 'middle' as 'big' }))).toBe('ERR_FRAMING_OPTION');
  });

  it('decodes a 16 MiB frame fed in 16 KiB chunks in milliseconds, copying it once', () => {
    const body = Buffer.alloc(16 * 1024 * 1024, 0x5a);
    const wire = encodeLengthFrame(body);
    const chunks: Buffer[] = [];
    for (let i = 0; i < wire.length; i += 16 * 1024) chunks.push(wire.subarray(i, i + 16 * 1024));
    const started = performance.now();
    const frames = decodeAll(lengthFraming().decoder(), chunks);
    const ms = performance.now() - started;
    expect(frames).toHaveLength(1);
    expect(frames[0]?.equals(body)).toBe(true);
    expect(ms).toBeLessThan(250);
  });
});
