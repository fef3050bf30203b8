// ChunkBuffer: views when a range sits in one chunk, one copy otherwise, and correct tails and peeks.
import { describe, expect, it } from 'vitest';
import { ChunkBuffer } from '../../framing/chunk-buffer.ts';

function filled(parts: string[]): ChunkBuffer {
  const buf = new ChunkBuffer();
  for (const p of parts) buf.append(Buffer.from(p));
  return buf;
}

describe('ChunkBuffer', () => {
  it('takes across chunks in order and tracks its length', () => {
    const buf = filled(['ab', '', 'cde', 'f']);
    expect(buf.length).toBe(6);
    expect(buf.take(1).toString()).toBe('a');
    expect(buf.take(3).toString()).toBe('bcd');
    expect(buf.length).toBe(2);
    expect(buf.take(2).toString()).toBe('ef');
    expect(buf.length).toBe(0);
  });

  it('returns a view, not a copy, when the bytes sit in one chunk', () => {
    const chunk = Buffer.from('hello world');
    const buf = new ChunkBuffer();
    buf.append(chunk);
    buf.skip(6);
    const view = buf.take(5);
    expect(view.toString()).toBe('world');
    expect(view.buffer).toBe(chunk.buffer);
  });

  it('peeks without consuming and reads tails across chunks', () => {
    const buf = filled(['xa', 'b', 'cd']);
    buf.skip(1);
    const target = Buffer.alloc(3);
    buf.peek(target, 3);
    expect(target.toString()).toBe('abc');
    expect(buf.length).toBe(4);
    expect(buf.tail(3).toString()).toBe('bcd');
    expect(buf.tail(4).toString()).toBe('abcd');
    expect(buf.front()?.toString()).toBe('a');
  });

  it('keeps working after many chunks are consumed one by one', () => {
    const buf = new ChunkBuffer();
    let expected = '';
    for (let i = 0; i < 500; i++) {
      buf.append(Buffer.from(String(i % 10)));
      expected += String(i % 10);
      if (i % 3 === 2) {
        expect(buf.take(2).toString()).toBe(expected.slice(0, 2));
        expected = expected.slice(2);
      }
    }
    expect(buf.take(buf.length).toString()).toBe(expected);
  });
});
