// throttle as a peer sees it: every byte arrives, paced at about bytes_per_sec (lower bound only).
import { describe, expect, it } from 'vitest';
import { throttle } from '../../../../proxy/faults/tcp/throttle.ts';
import { fakeContext } from '../../../helpers/fault-context.ts';
import { pattern, sinkServer, throughProxy, useCleanup } from '../../../helpers/net.ts';

describe('throttle', () => {
  const cleanup = useCleanup();

  it('delivers every byte, spread over at least size / rate', async () => {
    const rate = 200_000; // 2000-byte slices every 10 ms
    const size = 40_000;
    const { server, client, conn } = await throughProxy(
      cleanup,
      { upstream: [{ throttle: { bytes_per_sec: rate } }] },
      { server: sinkServer() },
    );
    const payload = pattern(size);
    const start = performance.now();
    client.end(payload);
    const got = await server.received();
    const elapsed = performance.now() - start;
    expect(got.data.equals(payload)).toBe(true);
    const outs = conn.upstream!.trace.events.filter((e) => e.kind === 'out');
    // The first slice goes at once, the rest are paced: (size - slice) / rate seconds at least.
    const paced = ((size - 2000) / rate) * 1000;
    expect(outs.at(-1)!.t - outs[0]!.t).toBeGreaterThanOrEqual(paced * 0.9);
    expect(elapsed).toBeGreaterThanOrEqual(paced * 0.9);
    for (const e of outs) expect(e.size).toBeLessThanOrEqual(2000);
  });
});

describe('throttle pacing (virtual clock)', () => {
  it('small chunks are paced in sleeps a timer can honour, and the average rate is exact', async () => {
    const f = fakeContext();
    try {
      const rate = 10_000_000;
      const fault = throttle.create({ bytes_per_sec: rate }, f.ctx);
      // 1000 chunks of 1000 bytes, as a split in front of the throttle would hand them over.
      for (let i = 0; i < 1000; i++) await fault.write(Buffer.alloc(1000), i * 1000);
      // Each sleep is at least a millisecond: sub-millisecond sleeps would each cost a whole one.
      for (const ms of f.sleeps) expect(ms).toBeGreaterThanOrEqual(1);
      // 1 MB at 10 MB/s is 100 ms of virtual time, less the last chunk's share.
      expect(f.clock).toBeGreaterThanOrEqual(99);
      expect(f.clock).toBeLessThanOrEqual(100);
      expect(f.pushed.reduce((n, p) => n + p.chunk.length, 0)).toBe(1_000_000);
    } finally {
      f.restore();
    }
  });

  it('a large chunk goes out in 10 ms slices', async () => {
    const f = fakeContext();
    try {
      const fault = throttle.create({ bytes_per_sec: 100_000 }, f.ctx);
      await fault.write(Buffer.alloc(10_000), 0);
      expect(f.pushed.map((p) => p.chunk.length)).toEqual(new Array(10).fill(1000));
      expect(f.pushed.map((p) => p.at)).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    } finally {
      f.restore();
    }
  });
});
