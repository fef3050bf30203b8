// throttle as a peer sees it: every byte arrives, paced at about bytes_per_sec (lower bound only).
import { describe, expect, it } from 'vitest';
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
