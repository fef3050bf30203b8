// reorder (UDP): seeded datagrams are held back behind `gap` later ones; nothing is lost or copied.
import { describe, expect, it } from 'vitest';
import { makeFault, nextSession, numbered, numberedSeries, numbers, runFault, throughUpstream, udpPeer, useUdpCleanup } from '../../../helpers/udp.ts';

describe('reorder decisions (no sockets)', () => {
  it('rate 0.1, gap 3 over 100 000: a tenth held, each sent right behind its third successor, never more than 3 held', () => {
    const { fault } = makeFault('reorder', { rate: 0.1, gap: 3 }, 8);
    const data = Buffer.alloc(1);
    const order: number[] = [];
    let mostHeld = 0;
    for (let index = 0; index < 100_000; index++) {
      for (const e of fault.process({ data, index }, 0)) order.push(e.datagram.index);
      mostHeld = Math.max(mostHeld, fault.held!().count);
    }
    for (const e of fault.release!(Infinity)) order.push(e.datagram.index);
    expect(order).toHaveLength(100_000);
    expect(new Set(order).size).toBe(100_000);
    expect(mostHeld).toBeLessThanOrEqual(3);
    const position = new Map(order.map((n, i) => [n, i]));
    const held = order.filter((n) => n + 3 < 100_000 && position.get(n)! > position.get(n + 3)!);
    expect(Math.abs(held.length / 100_000 - 0.1)).toBeLessThanOrEqual(0.01);
    // Held i goes out after i+3 and before i+4 when i+4 is itself not held back.
    for (const n of held) if (position.get(n + 4)! > position.get(n + 3)! + 1) expect(position.get(n)).toBeLessThan(position.get(n + 4)!);
  });

  it('a held datagram whose successors never come is released after hold_ms', () => {
    const { fault, notes } = makeFault('reorder', { rate: 1, hold_ms: 50 });
    expect(fault.process({ data: Buffer.from('a'), index: 0 }, 10)).toEqual([]);
    expect(notes).toEqual([{ kind: 'reorder', index: 0, size: 1, note: 'behind 1' }]);
    expect(fault.nextRelease!()).toBe(60);
    expect(fault.release!(59.9)).toEqual([]);
    expect(fault.release!(60).map((e) => e.datagram.index)).toEqual([0]);
    expect(fault.nextRelease!()).toBeUndefined();
  });

  it('without room in the link, a datagram chosen to be held goes through instead', () => {
    const { fault, context } = makeFault('reorder', { rate: 1 });
    (context as { room: (bytes: number) => boolean }).room = () => false;
    expect(fault.process({ data: Buffer.from('a'), index: 0 }, 0)).toHaveLength(1);
    expect(fault.held!().count).toBe(0);
  });
});

describe('reorder through the proxy', () => {
  const cleanup = useUdpCleanup();

  it('the server gets every datagram once, in the seeded order', async () => {
    const sent = numberedSeries(300);
    // hold_ms well above how long sending takes, so only the last held ones wait for it.
    const options = { rate: 0.2, gap: 3, hold_ms: 300 };
    const { got, session } = await throughUpstream(cleanup, [{ reorder: options }], sent, { seed: 21 });
    const expected = runFault(makeFault('reorder', options, 21).fault, sent).map((e) => e.datagram.index);
    expect(numbers(got)).toEqual(expected);
    expect([...numbers(got)].sort((a, b) => a - b)).toEqual(sent.map((_, i) => i));
    const late = numbers(got).filter((n, i) => numbers(got).slice(i + 1).some((m) => m < n));
    expect(late.length).toBeGreaterThan(30);
    expect(session.upstream.trace.totals.reordered).toBeGreaterThan(40);
  });

  it('hold_ms releases a lone held datagram', async () => {
    const server = await cleanup.peer(udpPeer());
    const { proxy, port } = await cleanup.proxy({ upstream: [{ reorder: { rate: 1, hold_ms: 60 } }] }, server.port);
    const client = await cleanup.peer(udpPeer());
    const opened = nextSession(proxy);
    const start = performance.now();
    client.send(numbered(7), port);
    await opened;
    const got = await server.next();
    expect(got.readUInt32BE(0)).toBe(7);
    expect(performance.now() - start).toBeGreaterThanOrEqual(59);
  });
});
