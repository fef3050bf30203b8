// The receive window: duplicates suppressed, gaps held, fragments reassembled in order, SACK ranges exact.
import { describe, expect, it } from 'vitest';
import { ReceiveWindow } from '../../../framing/reliable-udp/receive-window.ts';
import { codeOf } from '../codes.ts';

const b = (s: string) => Buffer.from(s);

function drain(w: ReceiveWindow): string[] {
  const out: string[] = [];
  for (let m = w.shift(); m !== undefined; m = w.shift()) out.push(m.toString());
  return out;
}

describe('ReceiveWindow', () => {
  it('holds segments after a gap and releases them in order once it fills', () => {
    const w = new ReceiveWindow(0, 8, 1000);
    expect(w.accept(2, 0, b('c'), false)).toBe('new');
    expect(w.accept(1, 0, b('b'), false)).toBe('new');
    expect(drain(w)).toEqual([]);
    expect(w.sackBitmap(10)).toEqual(Buffer.from([0b11]));
    expect(w.accept(0, 0, b('a'), false)).toBe('new');
    expect(drain(w)).toEqual(['a', 'b', 'c']);
    expect(w.next).toBe(3);
    expect(w.hasGaps).toBe(false);
  });

  it('counts duplicates (old or already held) and refuses segments beyond the window', () => {
    const w = new ReceiveWindow(0, 4, 1000);
    w.accept(0, 0, b('a'), false);
    w.accept(2, 0, b('c'), false);
    expect(w.accept(0, 0, b('a'), false)).toBe('duplicate');
    expect(w.accept(2, 0, b('c'), false)).toBe('duplicate');
    expect(w.accept(5, 0, b('f'), false)).toBe('outside');
    expect(w.duplicates).toBe(2);
  });

  it('reassembles fragments into one message', () => {
    const w = new ReceiveWindow(10, 8, 1000);
    w.accept(12, 0, b('!'), false);
    w.accept(10, 2, b('he'), false);
    w.accept(11, 1, b('llo'), false);
    expect(drain(w)).toEqual(['hello!']);
  });

  it('describes any number of gaps as a bitmap after next, cut to the size allowed', () => {
    const w = new ReceiveWindow(0, 32, 1000);
    for (const seq of [2, 3, 5, 9, 10, 11]) w.accept(seq, 0, b('x'), false);
    // bit i stands for seq 1 + i
    expect(w.sackBitmap(10)).toEqual(Buffer.from([0b0001_0110, 0b0000_0111]));
    expect(w.sackBitmap(1)).toEqual(Buffer.from([0b0001_0110]));
    expect(new ReceiveWindow(0, 8, 10).sackBitmap(10)).toEqual(Buffer.alloc(0));
  });

  it('shrinks the advertised window while complete messages wait unread', () => {
    const w = new ReceiveWindow(0, 4, 1000);
    w.accept(0, 1, b('a'), false);
    w.accept(1, 0, b('b'), false);
    w.accept(2, 0, b('c'), false);
    expect(w.advertised).toBe(1);
    expect(w.accept(4, 0, b('e'), false)).toBe('outside');
    expect(w.shift()?.toString()).toBe('ab');
    expect(w.advertised).toBe(3);
  });

  it('ends after a FIN released in order, and ignores anything after it', () => {
    const w = new ReceiveWindow(0, 8, 1000);
    w.accept(1, 0, Buffer.alloc(0), true);
    expect(w.finReceived).toBe(false);
    w.accept(0, 0, b('last'), false);
    expect(w.finReceived).toBe(true);
    expect(drain(w)).toEqual(['last']);
    expect(w.accept(2, 0, b('late'), false)).toBe('duplicate');
  });

  it('treats inconsistent fragments, a FIN inside a message and an oversized message as protocol errors', () => {
    const gap = new ReceiveWindow(0, 8, 1000);
    gap.accept(0, 3, b('a'), false);
    expect(codeOf(() => gap.accept(1, 1, b('b'), false))).toBe('ERR_RUDP_PROTOCOL');
    const fin = new ReceiveWindow(0, 8, 1000);
    fin.accept(0, 1, b('a'), false);
    expect(codeOf(() => fin.accept(1, 0, Buffer.alloc(0), true))).toBe('ERR_RUDP_PROTOCOL');
    const big = new ReceiveWindow(0, 8, 3);
    big.accept(0, 1, b('ab'), false);
    expect(codeOf(() => big.accept(1, 0, b('cd'), false))).toBe('ERR_RUDP_PROTOCOL');
  });
});
