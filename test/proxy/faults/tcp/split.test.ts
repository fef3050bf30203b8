// split as the receiving peer sees it: with a gap, every read is one piece of the drawn size.
import { describe, expect, it } from 'vitest';
import { pattern, sinkServer, throughProxy, useCleanup } from '../../../helpers/net.ts';

describe('split', () => {
  const cleanup = useCleanup();

  /** Send `payload` through an upstream split and return the server's reads and the trace. */
  async function through(options: unknown, payload: Buffer, seed = 1) {
    const { server, client, conn } = await throughProxy(cleanup, { upstream: [{ split: options }] }, { server: sinkServer(), seed });
    client.end(payload);
    const got = await server.received();
    return { got, outSizes: conn.upstream!.trace.outSizes() };
  }

  it('size: 3, gap_ms: 2 → every read the server makes is 3 bytes', async () => {
    const payload = pattern(60);
    const { got, outSizes } = await through({ size: 3, gap_ms: 2 }, payload);
    expect(got.data.equals(payload)).toBe(true);
    expect(got.reads).toEqual(new Array(20).fill(3));
    expect(outSizes).toEqual(new Array(20).fill(3));
  });

  it('min/max with a gap → reads within bounds, only the last piece may be short', async () => {
    const payload = pattern(500);
    const { got, outSizes } = await through({ min: 4, max: 9, gap_ms: 1 }, payload, 7);
    expect(got.data.equals(payload)).toBe(true);
    expect(got.reads).toEqual(outSizes);
    const body = got.reads.slice(0, -1);
    for (const n of body) {
      expect(n).toBeGreaterThanOrEqual(4);
      expect(n).toBeLessThanOrEqual(9);
    }
    expect(got.reads.at(-1)!).toBeLessThanOrEqual(9);
    expect(new Set(body).size).toBeGreaterThan(1); // sizes are drawn, not constant
  });

  it('without a gap the pieces are still cut at the drawn sizes (the trace shows them)', async () => {
    const payload = pattern(10_000);
    const { got, outSizes } = await through({ size: 1000 }, payload);
    expect(got.data.equals(payload)).toBe(true);
    expect(outSizes).toEqual(new Array(10).fill(1000));
  });
});
