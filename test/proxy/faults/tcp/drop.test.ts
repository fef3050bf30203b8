// drop as a peer sees it: exactly the bytes at the configured offsets are missing, nothing else.
import { describe, expect, it } from 'vitest';
import { pattern, sinkServer, throughProxy, useCleanup } from '../../../helpers/net.ts';

/** The payload with the bytes at `dropped(offset)` removed: what the receiver should read. */
function without(payload: Buffer, dropped: (offset: number) => boolean): Buffer {
  return Buffer.from([...payload].filter((_, i) => !dropped(i)));
}

describe('drop', () => {
  const cleanup = useCleanup();

  async function through(options: unknown, payload: Buffer, writes = 1) {
    const { server, client, conn } = await throughProxy(cleanup, { upstream: [{ drop: options }] }, { server: sinkServer() });
    // Several writes in one tick: how the kernel hands them to the proxy must not matter.
    const step = Math.ceil(payload.length / writes);
    for (let i = 0; i < payload.length; i += step) client.write(payload.subarray(i, i + step));
    client.end();
    const got = await server.received();
    return { got, trace: conn.upstream!.trace };
  }

  it('at + bytes + every removes exactly those ranges', async () => {
    const payload = pattern(1000);
    const { got, trace } = await through({ at: 5, bytes: 3, every: 10 }, payload, 7);
    const expected = without(payload, (i) => i >= 5 && (i - 5) % 10 < 3);
    expect(got.data.equals(expected)).toBe(true);
    expect(trace.totals.bytesDropped).toBe(payload.length - expected.length);
  });

  it('at alone removes one range', async () => {
    const payload = pattern(300);
    const { got } = await through({ at: 100, bytes: 50 }, payload, 3);
    expect(got.data.equals(without(payload, (i) => i >= 100 && i < 150))).toBe(true);
  });

  it('every alone starts at offset 0 and drops one byte each period', async () => {
    const payload = pattern(64 * 1024);
    const { got } = await through({ every: 1000 }, payload, 5);
    expect(got.data.equals(without(payload, (i) => i % 1000 === 0))).toBe(true);
  });
});
