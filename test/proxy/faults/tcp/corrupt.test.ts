// corrupt as a peer sees it: one flipped bit in each chosen byte, the same bytes for the same seed.
import { describe, expect, it } from 'vitest';
import { pattern, sinkServer, throughProxy, useCleanup } from '../../../helpers/net.ts';

/** Offsets where two equal-length buffers differ, checking each differs in exactly one bit. */
function flippedOffsets(sent: Buffer, got: Buffer): number[] {
  expect(got.length).toBe(sent.length);
  const offsets: number[] = [];
  for (let i = 0; i < sent.length; i++) {
    const x = sent[i]! ^ got[i]!;
    if (x === 0) continue;
    expect(x & (x - 1), `byte ${i} differs in more than one bit`).toBe(0);
    offsets.push(i);
  }
  return offsets;
}

describe('corrupt', () => {
  const cleanup = useCleanup();

  async function through(options: unknown, payload: Buffer, seed: number) {
    const { server, client, conn } = await throughProxy(cleanup, { upstream: [{ corrupt: options }] }, { server: sinkServer(), seed });
    client.end(payload);
    const got = await server.received();
    return { data: got.data, trace: conn.upstream!.trace };
  }

  it('at flips exactly one bit at each listed offset (a repeated offset once)', async () => {
    const payload = pattern(5000);
    const { data, trace } = await through({ at: [4000, 3, 10, 10] }, payload, 1);
    expect(flippedOffsets(payload, data)).toEqual([3, 10, 4000]);
    expect(trace.totals.corrupted).toBe(3);
  });

  it('rate corrupts about rate·n bytes, the same ones for the same seed', async () => {
    const payload = pattern(200_000);
    const rate = 0.01; // expect 2000 ± ~45 (one sigma)
    const a = flippedOffsets(payload, (await through({ rate }, payload, 11)).data);
    expect(a.length).toBeGreaterThan(1700);
    expect(a.length).toBeLessThan(2300);
    const again = flippedOffsets(payload, (await through({ rate }, payload, 11)).data);
    expect(again).toEqual(a);
    const other = flippedOffsets(payload, (await through({ rate }, payload, 12)).data);
    expect(other).not.toEqual(a);
  });

  it('rate 0 corrupts nothing', async () => {
    const payload = pattern(10_000);
    const { data } = await through({ rate: 0 }, payload, 1);
    expect(data.equals(payload)).toBe(true);
  });
});
