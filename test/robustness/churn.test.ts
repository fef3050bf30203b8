// Churn: thousands of short connections and mid-transfer client resets through one TcpProxy.
// Afterwards the proxy must still serve a new client byte-exact, hold no connection, and the
// process must be back to the file descriptors it had before (no leaked socket or timer handle).
import { describe, expect, it } from 'vitest';
import { collect, connect, echoServer, pattern, readBytes, sha256, useCleanup } from '../helpers/net.ts';
import { closedCounter, fdCount, inLanes, pollUntil, within } from './support.ts';

/** Connect/close cycles, and resets mid-transfer (the numbers). */
const CYCLES = 5_000;
const RESETS = 1_000;
/** Connections in flight at once: enough to overlap accepts and closes, far below ulimit -n. */
const WIDTH = 50;
/** Sockets close asynchronously (libuv closes handles on the next loop turn): allow a few. */
const FD_SLACK = 4;

describe('churn through one proxy', () => {
  const cleanup = useCleanup();

  it(`${CYCLES} connect/close cycles and ${RESETS} client resets mid-transfer leak nothing`, async () => {
    const server = await cleanup.server(echoServer());
    // A fault on each direction, so every connection builds and disposes a real chain with timers.
    const { proxy, port } = await cleanup.proxy(
      { upstream: [{ split: { min: 100, max: 4000 } }], downstream: [{ delay: { ms: 0, jitter_ms: 1 } }] },
      server.port,
    );
    const closed = closedCounter(proxy);

    // Warm up once, so handles Node creates lazily on first use are already in the baseline.
    await echoOnce(port, 1000);
    await closed.reach(1);
    const baseline = fdCount();

    const started = performance.now();
    // 1. Connect and close: half end politely (FIN), half destroy without reading anything.
    await within(
      40_000,
      'connect/close cycles',
      inLanes(CYCLES, WIDTH, async (i) => {
        const s = await connect(port);
        if (i % 2 === 0) s.end();
        else s.destroy();
      }),
    );
    await within(20_000, 'proxy closing every cycled connection', closed.reach(1 + CYCLES));
    const cyclesMs = performance.now() - started;

    // 2. Resets mid-transfer: data is flowing both ways when the client sends RST.
    const resetStart = performance.now();
    await within(
      40_000,
      'client resets',
      inLanes(RESETS, WIDTH, async (i) => {
        const s = await connect(port);
        const size = 16 * 1024 + (i % 7) * 4096;
        s.write(pattern(size));
        await readBytes(s, 1); // the echo is on its way back: the stream is live
        s.resetAndDestroy();
      }),
    );
    await within(20_000, 'proxy closing every reset connection', closed.reach(1 + CYCLES + RESETS));
    const resetsMs = performance.now() - resetStart;

    expect(proxy.connections.size).toBe(0);
    // A new client is served byte-exact, through the same faults.
    await echoOnce(port, 1024 * 1024);
    await closed.reach(2 + CYCLES + RESETS);
    const after = await pollUntil(fdCount, (n) => n <= baseline + FD_SLACK, 5_000);
    closed.stop();
    console.log(
      `churn: ${CYCLES} cycles in ${Math.round(cyclesMs)} ms, ${RESETS} resets in ${Math.round(resetsMs)} ms; fds ${baseline} -> ${after}`,
    );
    expect(after).toBeLessThanOrEqual(baseline + FD_SLACK);
  }, 90_000);
});

/** One client sends `size` bytes, half-closes, and must get exactly them back. */
async function echoOnce(port: number, size: number): Promise<void> {
  const s = await connect(port);
  try {
    const payload = pattern(size);
    const echoed = collect(s);
    s.end(payload);
    const got = await within(10_000, 'echo through the proxy', echoed);
    expect(got.error).toBeUndefined();
    expect(sha256(got.data)).toBe(sha256(payload));
  } finally {
    s.destroy();
  }
}
