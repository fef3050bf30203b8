// throttle (UDP): datagrams leave at the configured pace; a burst beyond the queue loses its tail.
import { describe, expect, it } from 'vitest';
import { makeFault, numbered, numbers, throughUpstream, useUdpCleanup } from '../../../helpers/udp.ts';

const at = (fault: ReturnType<typeof makeFault>['fault'], size: number, index: number, now: number) =>
  fault.process({ data: Buffer.alloc(size), index }, now).map((e) => e.at);

describe('throttle decisions (no sockets, a fake clock)', () => {
  it('datagrams_per_sec 200, queue 10: of a burst of 50, the first leaves now, 10 wait 5 ms apart, 39 are dropped', () => {
    const { fault, discarded } = makeFault('throttle', { datagrams_per_sec: 200, queue: 10 });
    const times = Array.from({ length: 50 }, (_, i) => at(fault, 100, i, 0)).flat();
    expect(times).toEqual(Array.from({ length: 11 }, (_, i) => i * 5));
    expect(discarded.map((d) => d.index)).toEqual(Array.from({ length: 39 }, (_, i) => i + 11));
    expect(new Set(discarded.map((d) => d.note))).toEqual(new Set(['throttle queue full']));
    // 26 ms later, five have left: five more fit, behind the last one queued.
    const later = Array.from({ length: 8 }, (_, i) => at(fault, 100, 50 + i, 26)).flat();
    expect(later).toEqual([55, 60, 65, 70, 75]);
  });

  it('bytes_per_sec paces by size; an idle link sends at once', () => {
    const { fault } = makeFault('throttle', { bytes_per_sec: 1000 });
    expect(at(fault, 100, 0, 0)).toEqual([0]); // the link was idle
    expect(at(fault, 300, 1, 0)).toEqual([100]); // behind 100 bytes = 100 ms
    expect(at(fault, 0, 2, 0)).toEqual([400]); // behind 300 more
    expect(at(fault, 10, 3, 1000)).toEqual([1000]); // idle again
  });

  it('queue 0: only a datagram finding the link idle goes through', () => {
    const { fault } = makeFault('throttle', { datagrams_per_sec: 10, queue: 0 });
    expect([0, 1, 2].map((i) => at(fault, 1, i, 50)).flat()).toEqual([50]);
    expect(at(fault, 1, 3, 150)).toEqual([150]);
  });
});

describe('throttle through the proxy', () => {
  const cleanup = useUdpCleanup();

  it('bytes_per_sec 100 000: twenty 1000-byte datagrams take ~190 ms, all in order', async () => {
    const sent = Array.from({ length: 20 }, (_, i) => numbered(i, 1000));
    const start = performance.now();
    const { got } = await throughUpstream(cleanup, [{ throttle: { bytes_per_sec: 100_000 } }], sent);
    expect(numbers(got)).toEqual(sent.map((_, i) => i));
    expect(performance.now() - start).toBeGreaterThanOrEqual(185);
  });

  it('a burst of 40 into datagrams_per_sec 50, queue 5: the head gets through, the tail is dropped', async () => {
    const sent = Array.from({ length: 40 }, (_, i) => numbered(i));
    const { got, session } = await throughUpstream(cleanup, [{ throttle: { datagrams_per_sec: 50, queue: 5 } }], sent);
    const order = numbers(got);
    // One leaves at once, five wait (20 ms apart); a slot frees only if the burst took 20 ms to read.
    expect(order.slice(0, 6)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(order.length).toBeLessThan(20);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(session.upstream.dropped).toBe(40 - order.length);
    const notes = session.upstream.trace.events.filter((e) => e.kind === 'drop').map((e) => e.note);
    expect(new Set(notes)).toEqual(new Set(['throttle queue full']));
  });
});
