// JSON-header framing: byte-compatible with struct.pack('i', len(h)), and strict about every header defect.
import { describe, expect, it } from 'vitest';
import { JsonHeaderDecoder, encodeJsonHeaderFrame, jsonHeaderFraming } from '../../framing/index.ts';
import { bytewise, decodeAll } from './chunks.ts';
import { codeOf } from './codes.ts';

/** A frame as the Python tutorial builds it: struct.pack('i', len(h)) + h + body. */
function pythonFrame(header: string | Buffer, body = Buffer.alloc(0), declared?: number): Buffer {
  const h = typeof header === 'string' ? Buffer.from(header, 'utf8') : header;
  const len = Buffer.alloc(4);
  len.writeInt32LE(declared ?? h.length);
  return Buffer.concat([len, h, body]);
}

describe('json-header framing', () => {
  it('encodes the little-endian int32 header length, the JSON header and the body', () => {
    const wire = encodeJsonHeaderFrame({ header: { file_name: 'a.txt' }, body: Buffer.from('hi') });
    expect(wire.readInt32LE(0)).toBe(wire.length - 4 - 2);
    expect(JSON.parse(wire.subarray(4, wire.length - 2).toString())).toEqual({ file_name: 'a.txt', data_size: 2 });
    expect(wire.subarray(-2).toString()).toBe('hi');
  });

  it('returns every header field and the body, whatever the chunking', () => {
    const wire = Buffer.concat([
      pythonFrame('{"data_size": 3, "file_name": "f\\u00e9.bin", "md5": "x"}', Buffer.from('abc')),
      pythonFrame('{"data_size":0}'),
    ]);
    for (const chunks of [[wire], bytewise(wire)]) {
      const frames = decodeAll(new JsonHeaderDecoder(), chunks);
      expect(frames.map((f) => f.header)).toEqual([{ data_size: 3, file_name: 'fé.bin', md5: 'x' }, { data_size: 0 }]);
      expect(frames.map((f) => f.body.toString())).toEqual(['abc', '']);
    }
  });

  it.each([
    ['an empty header', pythonFrame(''), 'ERR_BAD_HEADER'],
    ['a negative header length', pythonFrame('{}', undefined, -5), 'ERR_BAD_LENGTH'],
    ['a header above maxHeader', pythonFrame('{}', undefined, 64 * 1024 + 1), 'ERR_HEADER_TOO_LARGE'],
    ['invalid UTF-8', pythonFrame(Buffer.from([0x7b, 0xff, 0x7d])), 'ERR_BAD_HEADER'],
    ['invalid JSON', pythonFrame('{data_size: 1}'), 'ERR_BAD_HEADER'],
    ['a JSON array', pythonFrame('[1]'), 'ERR_BAD_HEADER'],
    ['JSON null', pythonFrame('null'), 'ERR_BAD_HEADER'],
    ['no data_size', pythonFrame('{"size": 1}'), 'ERR_BAD_HEADER'],
    ['a negative data_size', pythonFrame('{"data_size": -1}'), 'ERR_BAD_HEADER'],
    ['a fractional data_size', pythonFrame('{"data_size": 1.5}'), 'ERR_BAD_HEADER'],
    ['a string data_size', pythonFrame('{"data_size": "1"}'), 'ERR_BAD_HEADER'],
    ['an unsafe data_size', pythonFrame('{"data_size": 9007199254740993}'), 'ERR_BAD_HEADER'],
    ['a data_size above maxFrame', pythonFrame('{"data_size": 16777217}'), 'ERR_FRAME_TOO_LARGE'],
    ['an end inside the length', Buffer.from([5, 0]), 'ERR_FRAME_TRUNCATED'],
    ['an end inside the header', pythonFrame('{"data_size": 1}').subarray(0, 8), 'ERR_FRAME_TRUNCATED'],
    ['an end inside the body', pythonFrame('{"data_size": 4}', Buffer.from('ab')), 'ERR_FRAME_TRUNCATED'],
  ])('rejects %s', (_what, wire, code) => {
    expect(codeOf(() => decodeAll(new JsonHeaderDecoder(), [wire]))).toBe(code);
    expect(codeOf(() => decodeAll(new JsonHeaderDecoder(), bytewise(wire)))).toBe(code);
  });

  it('rejects a header length above maxHeader before reading the header', () => {
    const d = new JsonHeaderDecoder({ maxHeader: 10 });
    expect(codeOf(() => d.push(Buffer.from([11, 0, 0, 0])))).toBe('ERR_HEADER_TOO_LARGE');
    expect(d.buffered).toBe(0);
  });

  it('refuses to encode a mismatched data_size, an oversized body or header', () => {
    expect(codeOf(() => encodeJsonHeaderFrame({ header: { data_size: 3 }, body: Buffer.from('ab') }))).toBe('ERR_BAD_HEADER');
    expect(codeOf(() => encodeJsonHeaderFrame({ body: Buffer.alloc(2) }, { maxFrame: 1 }))).toBe('ERR_FRAME_TOO_LARGE');
    expect(codeOf(() => encodeJsonHeaderFrame({ header: { pad: 'x'.repeat(20) }, body: Buffer.alloc(0) }, { maxHeader: 16 }))).toBe(
      'ERR_HEADER_TOO_LARGE',
    );
  });

  it('decodes a 16 MiB body fed in 16 KiB chunks in milliseconds', () => {
    const wire = jsonHeaderFraming().encode({ header: { file_name: 'big' }, body: Buffer.alloc(16 * 1024 * 1024, 1) });
    const chunks: Buffer[] = [];
    for (let i = 0; i < wire.length; i += 16 * 1024) chunks.push(wire.subarray(i, i + 16 * 1024));
    const started = performance.now();
    const frames = decodeAll(jsonHeaderFraming().decoder(), chunks);
    expect(performance.now() - started).toBeLessThan(250);
    expect(frames[0]?.header).toEqual({ file_name: 'big', data_size: 16 * 1024 * 1024 });
  });
});
