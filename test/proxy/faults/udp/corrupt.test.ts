// corrupt (UDP): the seeded datagrams arrive with exactly one bit flipped, same length; the rest untouched.
import { describe, expect, it } from 'vitest';
import { makeFault, numberedSeries, runFault, throughUpstream, useUdpCleanup } from '../../../helpers/udp.ts';

/** Number of bits that differ between two equal-length buffers. */
function bitsDiffering(a: Buffer, b: Buffer): number {
  let bits = 0;
  for (let i = 0; i < a.length; i++) {
    for (let x = a[i]! ^ b[i]!; x !== 0; x &= x - 1) bits++;
  }
  return bits;
}

describe('corrupt', () => {
  const cleanup = useUdpCleanup();

  it('rate 0.1 over 100 000 datagrams corrupts 10 % ± 1 point; an empty datagram passes', () => {
    const { fault, notes } = makeFault('corrupt', { rate: 0.1 }, 9);
    const data = Buffer.alloc(8);
    let hit = 0;
    for (let index = 0; index < 100_000; index++) {
      const [out] = fault.process({ data, index }, 0);
      if (out!.datagram.data !== data) hit++;
    }
    expect(Math.abs(hit / 100_000 - 0.1)).toBeLessThanOrEqual(0.01);
    expect(notes).toHaveLength(hit);
    expect(data.equals(Buffer.alloc(8))).toBe(true); // the input buffer itself is never changed
    const empty = Buffer.alloc(0);
    expect(makeFault('corrupt', { rate: 1 }).fault.process({ data: empty, index: 0 }, 0)[0]!.datagram.data).toBe(empty);
  });

  it('the server gets every datagram; the seeded ones differ from what was sent by one bit', async () => {
    // Sizes from 4 bytes: the datagram number may itself be corrupted, so match by position.
    const sent = numberedSeries(300);
    const { got, session } = await throughUpstream(cleanup, [{ corrupt: { rate: 0.2 } }], sent, { seed: 2 });
    expect(got.map((d) => d.length)).toEqual(sent.map((d) => d.length));
    const expected = runFault(makeFault('corrupt', { rate: 0.2 }, 2).fault, sent).map((e) => e.datagram.data);
    expect(got).toEqual(expected);
    const changed = got.filter((d, i) => !d.equals(sent[i]!));
    expect(changed.length).toBeGreaterThan(30);
    for (const [i, d] of got.entries()) expect(bitsDiffering(d, sent[i]!)).toBe(d.equals(sent[i]!) ? 0 : 1);
    expect(session.upstream.trace.totals.corrupted).toBe(changed.length);
  });
});
