// delay (UDP): every datagram arrives, late by ms ± jitter_ms; without jitter in order, with jitter possibly not.
import { describe, expect, it } from 'vitest';
import { makeFault, numbered, numberedSeries, numbers, throughUpstream, udpPeer, useUdpCleanup } from '../../../helpers/udp.ts';

describe('delay decisions (no sockets)', () => {
  it('release times stay within ms ± jitter_ms and are drawn from the seed', () => {
    const draw = (seed: number) => {
      const { fault } = makeFault('delay', { ms: 20, jitter_ms: 5 }, seed);
      return Array.from({ length: 10_000 }, (_, index) => fault.process({ data: Buffer.alloc(0), index }, 100)[0]!.at!);
    };
    const times = draw(1);
    expect(Math.min(...times)).toBeGreaterThanOrEqual(115);
    expect(Math.max(...times)).toBeLessThanOrEqual(125);
    const mean = times.reduce((a, b) => a + b, 0) / times.length;
    expect(Math.abs(mean - 120)).toBeLessThan(0.2);
    expect(draw(1)).toEqual(times);
    expect(draw(2)).not.toEqual(times);
  });

  it('a jitter above ms never schedules into the past', () => {
    const { fault } = makeFault('delay', { ms: 1, jitter_ms: 10 });
    for (let index = 0; index < 1000; index++) expect(fault.process({ data: Buffer.alloc(0), index }, 5)[0]!.at).toBeGreaterThanOrEqual(5);
  });
});

describe('delay through the proxy', () => {
  const cleanup = useUdpCleanup();

  it('without jitter: all arrive, in order, each at least ms late', async () => {
    const server = await cleanup.peer(udpPeer());
    const { port } = await cleanup.proxy({ upstream: [{ delay: { ms: 40 } }] }, server.port);
    const client = await cleanup.peer(udpPeer());
    const sentAt: number[] = [];
    const arrivedAt: number[] = [];
    server.socket.on('message', () => arrivedAt.push(performance.now()));
    for (let i = 0; i < 20; i++) {
      sentAt.push(performance.now());
      client.send(numbered(i), port);
    }
    const got = await server.receivedCount(20);
    expect(numbers(got)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    // A timer may fire up to a millisecond early by this clock.
    arrivedAt.forEach((t, i) => expect(t - sentAt[i]!).toBeGreaterThanOrEqual(39));
  });

  it('with jitter above the spacing: all arrive once, some overtaken', async () => {
    const sent = numberedSeries(200);
    const { got, session } = await throughUpstream(cleanup, [{ delay: { ms: 20, jitter_ms: 15 } }], sent);
    const order = numbers(got);
    expect([...order].sort((a, b) => a - b)).toEqual(sent.map((_, i) => i));
    const inversions = order.filter((n, i) => i > 0 && n < order[i - 1]!).length;
    expect(inversions).toBeGreaterThan(0);
    expect(session.upstream.dropped).toBe(0);
  });
});
