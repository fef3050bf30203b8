// StreamLink: the held-bytes bound under a receiver that does not read, and seeded boundaries.
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import type { TcpConnection } from '../../proxy/tcp.ts';
import { collect, pattern, sha256, sinkServer, startServer, throughProxy, useCleanup } from '../helpers/net.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

/** A server whose connections read nothing until `release()` is called. */
function stalledServer() {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const server = sinkServer((s) => {
    s.pause();
    void released.then(() => s.resume());
  });
  return { server, release };
}

/**
 * Write `payload` in 64 KiB writes as fast as the socket takes them, and report whether any
 * write() returned false. Resolves when every byte is handed to the kernel.
 */
async function writeAll(s: Socket, payload: Buffer): Promise<{ sawBackpressure: boolean }> {
  let sawBackpressure = false;
  for (let i = 0; i < payload.length; i += 64 * KiB) {
    if (!s.write(payload.subarray(i, i + 64 * KiB))) {
      sawBackpressure = true;
      await once(s, 'drain');
    }
  }
  return { sawBackpressure };
}

/**
 * Wait until the proxy is stalled behind a receiver that does not read: its write to the server
 * is stuck in user space (the kernel buffers on that side are full) and it has stopped reading
 * its client. Nothing emits an event for this state, so it is polled as a condition; once
 * reached it holds until the receiver reads again.
 */
async function stalled(conn: TcpConnection): Promise<void> {
  await vi.waitFor(
    () => {
      if (!(conn.server.writableLength > 0 && conn.client.isPaused())) throw new Error('not stalled yet');
    },
    { timeout: 20_000, interval: 5 },
  );
}

describe('backpressure', () => {
  const cleanup = useCleanup();

  for (const [name, chain] of [
    ['delay', [{ delay: { ms: 5 } }]],
    ['coalesce', [{ coalesce: { bytes: 100_000, window_ms: 5 } }]],
    ['split + throttle', [{ split: { min: 1000, max: 9000 } }, { throttle: { bytes_per_sec: 50 * MiB } }]],
  ] as const) {
    it(`${name}: held bytes never exceed max_buffer while the receiver stalls; then all 8 MiB arrive intact`, async () => {
      const maxBuffer = 64 * KiB;
      const { server, release } = stalledServer();
      const { server: srv, client, conn } = await throughProxy(cleanup, { upstream: chain }, { server, maxBuffer });
      const payload = Buffer.alloc(8 * MiB);
      for (let i = 0; i < payload.length; i += 4) payload.writeUInt32LE((i * 2654435761) >>> 0, i);
      const writing = writeAll(client, payload);
      await stalled(conn);
      // Stalled: the proxy holds at most max_buffer and has stopped reading its client.
      const link = conn.upstream!;
      expect(link.held).toBeLessThanOrEqual(maxBuffer);
      expect(link.trace.totals.bytesIn).toBeLessThan(payload.length);
      release();
      const { sawBackpressure } = await writing;
      client.end();
      const got = await srv.received();
      expect(sawBackpressure).toBe(true);
      expect(got.data.length).toBe(payload.length);
      expect(sha256(got.data)).toBe(sha256(payload));
      // The bound held over the whole transfer, stalled and draining alike.
      expect(link.peakHeld).toBeLessThanOrEqual(maxBuffer);
      expect(link.peakHeld).toBeGreaterThan(maxBuffer / 2);
    });
  }

  it('a max_buffer below the socket high-water mark still drains (no lost wake-up)', async () => {
    const maxBuffer = 4 * KiB;
    const { server, release } = stalledServer();
    const { server: srv, client, conn } = await throughProxy(cleanup, {}, { server, maxBuffer });
    const payload = pattern(8 * MiB);
    const writing = writeAll(client, payload);
    await stalled(conn);
    release();
    await writing;
    client.end();
    const got = await srv.received();
    expect(sha256(got.data)).toBe(sha256(payload));
    expect(conn.upstream!.peakHeld).toBeLessThanOrEqual(maxBuffer);
  });
});

describe('determinism', () => {
  const cleanup = useCleanup();
  const chain = [{ split: { min: 1, max: 700 } }, { corrupt: { rate: 0.001 } }];
  const payload = pattern(100_000);

  /** Run one connection with `seed`; the client hands over its bytes in `writes` pieces. */
  async function outSizes(seed: number, writes: 'one' | 'many'): Promise<{ sizes: number[]; data: Buffer }> {
    const { server, client, conn } = await throughProxy(cleanup, { upstream: chain }, { server: sinkServer(), seed });
    if (writes === 'one') {
      client.end(payload);
    } else {
      // Each piece waits until the proxy has read the previous one, so the proxy's reads differ.
      for (let i = 0; i < payload.length; i += 7_777) {
        client.write(payload.subarray(i, i + 7_777));
        await once(conn.client, 'data');
      }
      client.end();
    }
    const got = await server.received();
    return { sizes: conn.upstream!.trace.outSizes(), data: got.data };
  }

  it('the same seed gives the same chunk sizes and corruptions, however the source was read', async () => {
    const a = await outSizes(42, 'one');
    const b = await outSizes(42, 'one');
    const c = await outSizes(42, 'many');
    expect(a.sizes.length).toBeGreaterThan(100);
    expect(b.sizes).toEqual(a.sizes);
    expect(c.sizes).toEqual(a.sizes);
    expect(b.data.equals(a.data)).toBe(true);
    expect(c.data.equals(a.data)).toBe(true);
  });

  it('another seed gives other sizes', async () => {
    const a = await outSizes(42, 'one');
    const d = await outSizes(43, 'one');
    expect(d.sizes).not.toEqual(a.sizes);
  });

  it('the two directions and successive connections draw differently', async () => {
    const server = await cleanup.server(startServer((s) => s.pipe(s)));
    const { proxy, port } = await cleanup.proxy({ upstream: chain, downstream: chain }, server.port, 5);
    const sizes: number[][] = [];
    for (let i = 0; i < 2; i++) {
      const accepted = once(proxy, 'connection');
      const client = await cleanup.connect(port);
      const [conn] = (await accepted) as [TcpConnection];
      const echoed = collect(client);
      client.end(payload);
      expect((await echoed).data.length).toBe(payload.length);
      sizes.push(conn.upstream!.trace.outSizes(), conn.downstream!.trace.outSizes());
    }
    const distinct = new Set(sizes.map((s) => s.join(',')));
    expect(distinct.size).toBe(4);
  });
});
