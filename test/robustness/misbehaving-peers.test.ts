// Misbehaving peers: a slowloris client, an upstream that never reads, one that closes at once,
// one that goes down and comes back on the same port. The proxy must keep serving everyone else
// and recover without a restart.
import { once } from 'node:events';
import net, { type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { TcpConnection, TcpProxy } from '../../proxy/tcp.ts';
import { collect, connect, pattern, sha256, startServer, useCleanup, type Cleanup } from '../helpers/net.ts';
import { closedCounter, inLanes, pollUntil, within } from './support.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

/** `count` clients at once, each echoing `size` bytes through the proxy; all must come back whole. */
async function healthyClients(cleanup: Cleanup, port: number, count: number, size: number): Promise<void> {
  await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const s = await cleanup.connect(port);
      const payload = pattern(size + i);
      const echoed = collect(s);
      s.end(payload);
      const got = await within(15_000, `healthy client ${i}`, echoed);
      expect(got.error).toBeUndefined();
      expect(sha256(got.data)).toBe(sha256(payload));
    }),
  );
}

describe('a slowloris client', () => {
  const cleanup = useCleanup();

  it('200 clients trickling one byte a second do not block 20 clients moving 256 KiB each', async () => {
    const SLOW = 200;
    const BYTES = 3;
    const server = await cleanup.server(startServer((s) => s.pipe(s)));
    const { proxy, port } = await cleanup.proxy({}, server.port);
    const closed = closedCounter(proxy);
    const slow: Socket[] = await Promise.all(Array.from({ length: SLOW }, () => cleanup.connect(port)));
    const slowEchoes = slow.map((s) => collect(s));
    // One byte per slow client per tick, from one timer: bounded to BYTES ticks.
    let ticks = 0;
    const trickling = new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        ticks++;
        for (const s of slow) s.write(String.fromCharCode(96 + ticks));
        if (ticks === BYTES) {
          clearInterval(timer);
          for (const s of slow) s.end();
          resolve();
        }
      }, 1000);
    });
    const t0 = performance.now();
    await healthyClients(cleanup, port, 20, 256 * KiB);
    const healthyMs = performance.now() - t0;
    // Served while every slow client was still mid-request (before its last byte).
    expect(ticks).toBeLessThan(BYTES);
    await within(10_000, 'slow clients finishing', trickling);
    for (const echoed of slowEchoes) {
      const got = await within(5_000, 'slow echo', echoed);
      expect(got.data.toString()).toBe('abc');
    }
    await within(10_000, 'proxy closing every connection', closed.reach(SLOW + 20));
    closed.stop();
    expect(proxy.connections.size).toBe(0);
    console.log(`slowloris: ${SLOW} slow clients; 20 x 256 KiB echoed in ${Math.round(healthyMs)} ms meanwhile`);
  }, 20_000);
});

describe('an upstream that accepts and never reads', () => {
  const cleanup = useCleanup();

  it('each stuck connection holds at most max_buffer; other clients are served', async () => {
    const STUCK = 8;
    const maxBuffer = 256 * KiB;
    // The first STUCK connections are accepted and never read (pauseOnConnect and no resume);
    // later ones echo. Same server, same port: only the peer's behaviour differs.
    let accepted = 0;
    const server = await cleanup.server(
      startServer(
        (s) => {
          if (accepted++ < STUCK) return;
          s.resume();
          s.pipe(s);
        },
        { pauseOnConnect: true },
      ),
    );
    const { proxy, port } = await cleanup.proxy({ upstream: [{ delay: { ms: 2 } }] }, server.port, 1, maxBuffer);
    const conns: TcpConnection[] = [];
    proxy.on('connection', (c) => conns.push(c));
    const stuck = await Promise.all(Array.from({ length: STUCK }, () => cleanup.connect(port)));
    // Far more than the kernel buffers on both sides of the proxy can absorb (loopback receive
    // buffers may autotune up to tcp_rmem's max, 32 MiB here). One buffer, shared by every write.
    const big = pattern(64 * MiB);
    for (const s of stuck) s.write(big);
    // Stalled: the proxy's write to the server is stuck in user space and it has stopped reading
    // its client. No event marks this state; it is polled, and once reached it holds.
    const stalled = await pollUntil(
      () => conns.slice(0, STUCK).filter((c) => c.server.writableLength > 0 && c.client.isPaused()).length,
      (n) => n === STUCK,
      20_000,
    );
    expect(stalled).toBe(STUCK);
    await healthyClients(cleanup, port, 10, 512 * KiB);
    for (const c of conns.slice(0, STUCK)) {
      expect(c.upstream!.held).toBeLessThanOrEqual(maxBuffer);
      expect(c.upstream!.peakHeld).toBeLessThanOrEqual(maxBuffer);
      // The rest waits in the client, not in the proxy.
      expect(c.upstream!.trace.totals.bytesIn).toBeLessThan(big.length);
    }
    for (const s of stuck) expect(s.writableLength).toBeGreaterThan(0);
    const peak = Math.max(...conns.slice(0, STUCK).map((c) => c.upstream!.peakHeld));
    console.log(`never-reading upstream: ${STUCK} stuck connections, peak held ${peak} of max_buffer ${maxBuffer}`);
  }, 40_000);
});

describe('an upstream that closes at once', () => {
  const cleanup = useCleanup();

  for (const how of ['end', 'reset'] as const) {
    it(`${how}: 200 clients each see the end (no hang), then the proxy serves again`, async () => {
      let hostile = true;
      const server = await cleanup.server(
        startServer((s) => {
          if (!hostile) return void s.pipe(s);
          if (how === 'end') s.end();
          else s.resetAndDestroy();
        }),
      );
      const { proxy, port } = await cleanup.proxy({ downstream: [{ split: { min: 1, max: 100 } }] }, server.port);
      const closed = closedCounter(proxy);
      const N = 200;
      const seen: { error?: string; bytes: number }[] = [];
      await inLanes(N, 50, async () => {
        const s = await connect(port);
        try {
          const result = collect(s);
          s.write(pattern(10 * KiB));
          const got = await within(10_000, 'client seeing the upstream close', result);
          seen.push({ ...(got.error?.code ? { error: got.error.code } : {}), bytes: got.data.length });
        } finally {
          s.destroy();
        }
      });
      await within(10_000, 'proxy closing all', closed.reach(N));
      closed.stop();
      expect(proxy.connections.size).toBe(0);
      // Nothing came back; each client saw EOF, or a reset when the server reset.
      expect(seen.every((r) => r.bytes === 0)).toBe(true);
      const resets = seen.filter((r) => r.error === 'ECONNRESET').length;
      if (how === 'end') expect(resets).toBe(0);
      expect(seen.filter((r) => r.error && r.error !== 'ECONNRESET')).toEqual([]);
      console.log(`upstream ${how}s at once: ${N} clients, ${N - resets} saw EOF, ${resets} saw ECONNRESET`);
      hostile = false;
      await healthyClients(cleanup, port, 5, 64 * KiB);
    });
  }
});

describe('an upstream that goes down and comes back on the same port', () => {
  const cleanup = useCleanup();

  it('three down/up rounds under load: refused clients are closed, the proxy serves again each time', async () => {
    const first = await startServer((s) => s.pipe(s));
    const port = first.port;
    let current: net.Server | undefined = first.server;
    const { proxy, port: proxyPort } = await cleanup.proxy({ upstream: [{ split: { min: 1, max: 1000 } }] }, port);
    try {
      for (let round = 0; round < 3; round++) {
        await healthyClients(cleanup, proxyPort, 10, 64 * KiB);
        // Down: close the listener (and its connections, all done by now).
        await closeServer(current!);
        current = undefined;
        await refusedClients(proxy, proxyPort, 20);
        // Up again: bind the very same port.
        current = await listenOn(port);
      }
      await healthyClients(cleanup, proxyPort, 10, 64 * KiB);
    } finally {
      if (current) await closeServer(current);
      await first.close().catch(() => {});
    }
  });
});

/** Clients while the upstream is down: each is closed by the proxy (EOF), none hangs. */
async function refusedClients(proxy: TcpProxy, port: number, n: number): Promise<void> {
  const closed = closedCounter(proxy);
  await Promise.all(
    Array.from({ length: n }, async () => {
      const s = await connect(port);
      try {
        const result = collect(s);
        s.write('anyone there?');
        const got = await within(10_000, 'refused client', result);
        expect(got.data.length).toBe(0);
      } finally {
        s.destroy();
      }
    }),
  );
  await within(10_000, 'refused connections closing', closed.reach(n));
  closed.stop();
  expect(proxy.connections.size).toBe(0);
}

async function listenOn(port: number): Promise<net.Server> {
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    s.on('error', () => {});
    s.pipe(s);
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
