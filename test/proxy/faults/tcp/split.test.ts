// split as the receiving peer sees it: with a gap, reads are the pieces of the drawn sizes.
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

  /**
   * How many reads were exactly one piece; throws unless every read ends on a piece boundary. A
   * receiver that keeps up reads each piece alone; one starved by a loaded machine for longer
   * than the gap finds several queued and reads them together, as it would on a real network.
   */
  function singlePieceReads(reads: number[], pieces: number[]): number {
    let single = 0;
    let piece = 0;
    for (const read of reads) {
      let sum = 0;
      const first = piece;
      while (sum < read && piece < pieces.length) sum += pieces[piece++]!;
      if (sum !== read) throw new Error(`read of ${read} bytes does not end on a piece boundary`);
      if (piece - first === 1) single++;
    }
    expect(piece).toBe(pieces.length);
    return single;
  }

  it('size: 3, gap_ms: 5 → the server reads 3-byte pieces', async () => {
    const payload = pattern(60);
    const { got, outSizes } = await through({ size: 3, gap_ms: 5 }, payload);
    expect(got.data.equals(payload)).toBe(true);
    expect(outSizes).toEqual(new Array(20).fill(3));
    // Without the gap all 20 pieces reach the server in one or two reads.
    expect(singlePieceReads(got.reads, outSizes)).toBeGreaterThanOrEqual(10);
  });

  it('min/max with a gap → reads within bounds, only the last piece may be short', async () => {
    const payload = pattern(200);
    const { got, outSizes } = await through({ min: 4, max: 9, gap_ms: 5 }, payload, 7);
    expect(got.data.equals(payload)).toBe(true);
    const body = outSizes.slice(0, -1);
    for (const n of body) {
      expect(n).toBeGreaterThanOrEqual(4);
      expect(n).toBeLessThanOrEqual(9);
    }
    expect(outSizes.at(-1)!).toBeLessThanOrEqual(9);
    expect(new Set(body).size).toBeGreaterThan(1); // sizes are drawn, not constant
    expect(singlePieceReads(got.reads, outSizes)).toBeGreaterThanOrEqual(outSizes.length / 2);
  });

  it('without a gap the pieces are still cut at the drawn sizes (the trace shows them)', async () => {
    const payload = pattern(10_000);
    const { got, outSizes } = await through({ size: 1000 }, payload);
    expect(got.data.equals(payload)).toBe(true);
    expect(outSizes).toEqual(new Array(10).fill(1000));
  });
});
