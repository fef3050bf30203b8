// coalesce as the receiving peer sees it: small writes arrive glued into one read.
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { pattern, readBytes, sinkServer, throughProxy, useCleanup } from '../../../helpers/net.ts';

describe('coalesce', () => {
  const cleanup = useCleanup();

  it('bytes: 100 → two small sends the proxy read separately arrive as one read', async () => {
    const { server, client, conn } = await throughProxy(
      cleanup,
      { upstream: [{ coalesce: { bytes: 100, window_ms: 5000 } }] },
      { server: sinkServer() },
    );
    const payload = pattern(100);
    client.write(payload.subarray(0, 50));
    // Wait until the proxy has read the first send, so the glue is its doing, not the kernel's.
    await once(conn.client, 'data');
    client.write(payload.subarray(50));
    const first = await readBytes(await server.socket(), 100);
    expect(first.reads).toEqual([100]);
    expect(first.data.equals(payload)).toBe(true);
    expect(conn.upstream!.trace.totals.chunksIn).toBe(2);
    expect(conn.upstream!.trace.outSizes()).toEqual([100]);
  });

  it('cuts at exact multiples of bytes, whatever the reads', async () => {
    const { server, client, conn } = await throughProxy(
      cleanup,
      { upstream: [{ coalesce: { bytes: 64, window_ms: 5000 } }] },
      { server: sinkServer() },
    );
    const payload = pattern(64 * 10 + 5);
    client.end(payload);
    const got = await server.received();
    expect(got.data.equals(payload)).toBe(true);
    // The tail shorter than `bytes` is released by the end of the stream.
    expect(conn.upstream!.trace.outSizes()).toEqual([...new Array(10).fill(64), 5]);
  });

  it('window_ms flushes what is held when the sender pauses', async () => {
    const { server, client, conn } = await throughProxy(
      cleanup,
      { upstream: [{ coalesce: { bytes: 1000, window_ms: 200 } }] },
      { server: sinkServer() },
    );
    const payload = pattern(20);
    const sentAt = performance.now();
    client.write(payload.subarray(0, 10));
    await once(conn.client, 'data');
    client.write(payload.subarray(10));
    // The sender now pauses with 20 of 1000 bytes held: the window releases them as one read.
    const got = await readBytes(await server.socket(), 20);
    expect(performance.now() - sentAt).toBeGreaterThanOrEqual(199);
    expect(got.reads).toEqual([20]);
    expect(got.data.equals(payload)).toBe(true);
  });
});
