// duplicate (UDP): which datagrams get copies is seeded; the peer sees each copy right behind its original.
import { describe, expect, it } from 'vitest';
import { makeFault, numberedSeries, numbers, runFault, throughUpstream, udpEcho, udpPeer, useUdpCleanup, nextSession } from '../../../helpers/udp.ts';

describe('duplicate decisions (no sockets)', () => {
  it('rate 0.25 duplicates a quarter of 100 000 datagrams, each with `copies` extra copies', () => {
    const { fault, notes } = makeFault('duplicate', { rate: 0.25, copies: 3 }, 3);
    const data = Buffer.from('x');
    const byLength = new Map<number, number>();
    for (let index = 0; index < 100_000; index++) {
      const n = fault.process({ data, index }, 0).length;
      byLength.set(n, (byLength.get(n) ?? 0) + 1);
    }
    // Each datagram leaves alone or with exactly 3 copies.
    expect([...byLength.keys()].sort()).toEqual([1, 4]);
    const duplicated = byLength.get(4)!;
    expect(Math.abs(duplicated / 100_000 - 0.25)).toBeLessThanOrEqual(0.01);
    expect(notes.filter((n) => n.kind === 'duplicate')).toHaveLength(3 * duplicated);
  });
});

describe('duplicate through the proxy', () => {
  const cleanup = useUdpCleanup();

  it('upstream: the server gets the seeded copies, adjacent, byte for byte', async () => {
    const sent = numberedSeries(300);
    const options = { rate: 0.3, copies: 2 };
    const { got, session } = await throughUpstream(cleanup, [{ duplicate: options }], sent, { seed: 4 });
    const expected = runFault(makeFault('duplicate', options, 4).fault, sent).map((e) => e.datagram.index);
    expect(numbers(got)).toEqual(expected);
    const copied = new Set(expected.filter((n, i) => expected[i - 1] === n));
    expect(copied.size).toBeGreaterThan(50);
    expect(got.length).toBe(300 + 2 * copied.size);
    for (const d of got) expect(d.equals(sent[d.readUInt32BE(0)]!)).toBe(true);
    expect(session.upstream.trace.totals.duplicated).toBe(2 * copied.size);
  });

  it('downstream: every reply arrives twice at the client with rate 1', async () => {
    const server = await cleanup.peer(udpEcho());
    const { proxy, port } = await cleanup.proxy({ downstream: [{ duplicate: { rate: 1 } }] }, server.port);
    const client = await cleanup.peer(udpPeer());
    const opened = nextSession(proxy);
    for (let i = 0; i < 20; i++) client.send(Buffer.from(`m${i}`), port);
    const session = await opened;
    const got = await client.receivedCount(40);
    expect(got.map(String)).toEqual(Array.from({ length: 20 }, (_, i) => [`m${i}`, `m${i}`]).flat());
    expect(session.downstream.trace.totals.duplicated).toBe(20);
    expect(session.upstream.trace.totals.duplicated).toBe(0);
  });
});
