// Delimiter framing: lines split anywhere (even inside a multi-byte delimiter) come back whole, capped.
import { describe, expect, it } from 'vitest';
import { LineDecoder, encodeLine, lineFraming } from '../../framing/index.ts';
import { bytewise, cutAt, decodeAll } from './chunks.ts';
import { codeOf } from './codes.ts';

const text = (frames: Buffer[]) => frames.map((f) => f.toString());

describe('line framing', () => {
  it('appends and strips "\\n" by default, keeping empty lines', () => {
    expect(encodeLine('hello')).toEqual(Buffer.from('hello\n'));
    expect(text(decodeAll(new LineDecoder(), [Buffer.from('a\n\nbc\n')]))).toEqual(['a', '', 'bc']);
  });

  it('finds a multi-byte delimiter split across chunks at every position', () => {
    const wire = Buffer.from('one\r\ntwo\r\n\r\nthree\r\n');
    for (let i = 0; i <= wire.length; i++) {
      for (let j = i; j <= wire.length; j++) {
        const frames = decodeAll(new LineDecoder({ delimiter: '\r\n' }), cutAt(wire, [i, j]));
        expect(text(frames)).toEqual(['one', 'two', '', 'three']);
      }
    }
  });

  it('handles a self-overlapping delimiter byte by byte', () => {
    const opts = { delimiter: 'aab' };
    const wire = Buffer.concat(['xa', 'a', 'ba', ''].map((b) => encodeLine(b, opts)));
    expect(text(decodeAll(new LineDecoder(opts), bytewise(wire)))).toEqual(['xa', 'a', 'ba', '']);
    expect(text(decodeAll(new LineDecoder(opts), [wire]))).toEqual(['xa', 'a', 'ba', '']);
  });

  it('refuses to encode a body holding the delimiter, or ending in its start', () => {
    expect(codeOf(() => encodeLine('a\nb'))).toBe('ERR_DELIMITER_IN_BODY');
    expect(codeOf(() => encodeLine('xa', { delimiter: 'aa' }))).toBe('ERR_DELIMITER_IN_BODY');
    expect(codeOf(() => encodeLine('x', { maxFrame: 0 }))).toBe('ERR_FRAME_TOO_LARGE');
    expect(codeOf(() => new LineDecoder({ delimiter: '' }))).toBe('ERR_FRAMING_OPTION');
  });

  it('rejects a line longer than maxFrame before holding more than maxFrame bytes', () => {
    const d = new LineDecoder({ maxFrame: 8 });
    d.push(Buffer.from('12345678'));
    expect(d.buffered).toBe(8);
    expect(codeOf(() => d.push(Buffer.from('9')))).toBe('ERR_FRAME_TOO_LARGE');
    expect(d.buffered).toBe(0);
    expect(codeOf(() => new LineDecoder({ maxFrame: 3 }).push(Buffer.from('abcd\n')))).toBe('ERR_FRAME_TOO_LARGE');
    expect(text(decodeAll(new LineDecoder({ maxFrame: 3 }), [Buffer.from('abc\n')]))).toEqual(['abc']);
  });

  it('counts a possible partial delimiter as not yet body', () => {
    const d = new LineDecoder({ delimiter: '\r\n', maxFrame: 3 });
    d.push(Buffer.from('abc\r'));
    const frames: string[] = [];
    d.push(Buffer.from('\n'), (f) => frames.push(f.toString()));
    expect(frames).toEqual(['abc']);
  });

  it('reports a stream that ends inside a line', () => {
    expect(codeOf(() => decodeAll(new LineDecoder(), [Buffer.from('a\nb')]))).toBe('ERR_FRAME_TRUNCATED');
  });

  it('scans a 16 MiB line in 16 KiB chunks once, in milliseconds', () => {
    const wire = encodeLine(Buffer.alloc(16 * 1024 * 1024, 0x41), { delimiter: '\r\n' });
    const chunks: Buffer[] = [];
    for (let i = 0; i < wire.length; i += 16 * 1024) chunks.push(wire.subarray(i, i + 16 * 1024));
    const started = performance.now();
    const frames = decodeAll(lineFraming({ delimiter: '\r\n' }).decoder(), chunks);
    expect(performance.now() - started).toBeLessThan(250);
    expect(frames[0]?.length).toBe(16 * 1024 * 1024);
  });
});
