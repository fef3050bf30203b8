// UDP under a flood and bad datagrams: 10 000 distinct client ports against a session cap, and
// empty, maximum-size and garbage datagrams mixed into a live session.
import dgram from 'node:dgram';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { UdpProxy, UdpSession } from '../../proxy/udp.ts';
import { numberOf, numbered, udpEcho, udpPeer, useUdpCleanup } from '../helpers/udp.ts';
import { fdCount, pollUntil, within } from './support.ts';

const CLIENTS = 10_000;
/** Client sockets open at once: far below ulimit -n, with every batch closed before the next. */
const BATCH = 500;
const MAX_SESSIONS = 256;
const MAX_BUFFER = 4096;
const IDLE_MS = 150;

describe('UDP flood', () => {
  const cleanup = useUdpCleanup();

  it(`${CLIENTS} distinct source ports: at most max_sessions at once, each within max_buffer, then a clean slate`, async () => {
    const server = await cleanup.peer(udpEcho());
    // A delay makes every session hold datagrams (bounded by max_buffer); a short idle timeout
    // makes sessions come and go during the flood, so the cap is tested while slots free up.
    const { proxy, port } = await cleanup.proxy(
      { max_sessions: MAX_SESSIONS, max_buffer: MAX_BUFFER, idle_timeout_ms: IDLE_MS, upstream: [{ delay: { ms: 20 } }] },
      server.port,
    );
    const baseline = fdCount();
    // Client ports given a session, and refused (one 'refused' event per datagram, so a set).
    // A client refused at its first datagram may get in at a later one if a slot freed between.
    const admitted = new Set<number>();
    const refusedPorts = new Set<number>();
    const decided = new Set<number>();
    // Resolved from the event handlers once `decided` holds `n` ports.
    let waiting: { n: number; resolve: () => void } | undefined;
    const decide = (port: number): void => {
      decided.add(port);
      if (waiting && decided.size >= waiting.n) waiting.resolve();
    };
    const allDecided = (n: number): Promise<void> =>
      decided.size >= n ? Promise.resolve() : new Promise((resolve) => (waiting = { n, resolve }));
    let refusedDatagrams = 0;
    let mostAtOnce = 0;
    let opened = 0;
    // Each session's peak, checked as it closes (sessions are not kept: 10 000 would be a lot).
    const peaks = { bytes: 0, count: 0, tailDropped: 0 };
    const account = (s: UdpSession): void => {
      for (const link of [s.upstream, s.downstream]) {
        peaks.bytes = Math.max(peaks.bytes, link.peakHeld.bytes);
        peaks.count = Math.max(peaks.count, link.peakHeld.count);
        peaks.tailDropped += link.dropped;
      }
    };
    proxy.on('sessionClosed', account);
    proxy.on('session', (s) => {
      opened++;
      admitted.add(s.client.port);
      decide(s.client.port);
      mostAtOnce = Math.max(mostAtOnce, proxy.sessions.size);
    });
    proxy.on('refused', (a) => {
      refusedDatagrams++;
      refusedPorts.add(a.port);
      decide(a.port);
    });

    // Each client sends three 1400-byte datagrams: more than one session may hold (4096 bytes),
    // so the bound is exercised, not just the cap.
    const payload = Buffer.alloc(1400, 0x61);
    const used = new Set<number>();
    let binds = 0;
    const started = performance.now();
    while (used.size < CLIENTS) {
      // Bounded: a port the kernel hands out again is skipped, never counted twice.
      if (binds > 4 * CLIENTS) throw new Error(`only ${used.size} distinct ports after ${binds} binds`);
      const want = Math.min(BATCH, CLIENTS - used.size);
      const batch: dgram.Socket[] = [];
      for (let i = 0; i < want; i++) {
        const s = dgram.createSocket('udp4');
        s.on('error', () => {});
        s.bind(0, '127.0.0.1');
        batch.push(s);
      }
      binds += batch.length;
      await Promise.all(batch.map((s) => once(s, 'listening')));
      const fresh = batch.filter((s) => {
        const p = s.address().port;
        if (used.has(p)) return false;
        used.add(p);
        return true;
      });
      for (const s of fresh) for (let k = 0; k < 3; k++) s.send(payload, port, '127.0.0.1');
      // Every new client is either given a session or refused: wait until the proxy has decided
      // for all of this batch before closing its sockets.
      await within(10_000, `decisions for ${used.size} clients`, allDecided(used.size));
      await Promise.all(batch.map((s) => new Promise<void>((r) => s.close(() => r()))));
    }
    const floodMs = performance.now() - started;

    expect(used.size).toBe(CLIENTS);
    expect(decided.size).toBe(CLIENTS);
    expect([...decided].every((p) => used.has(p))).toBe(true);
    expect(mostAtOnce).toBeLessThanOrEqual(MAX_SESSIONS);
    expect(refusedPorts.size).toBeGreaterThan(0);
    expect(admitted.size).toBeGreaterThan(MAX_SESSIONS); // slots freed by the idle timeout were reused
    expect(proxy.refusedDatagrams).toBe(refusedDatagrams);

    // Every session idles out; the sockets they opened are closed again.
    await within(5_000, 'every session idling out', sessionsGone(proxy));
    expect(proxy.sessions.size).toBe(0);
    expect(peaks.bytes).toBeLessThanOrEqual(MAX_BUFFER);
    expect(peaks.count).toBeLessThanOrEqual(MAX_BUFFER / 64);
    expect(peaks.tailDropped).toBeGreaterThan(0); // the bound was reached, and held
    const fds = await pollUntil(fdCount, (n) => n <= baseline + 2, 5_000);
    expect(fds).toBeLessThanOrEqual(baseline + 2);
    // And a new client is served.
    const client = await cleanup.peer(udpPeer());
    client.send(Buffer.from('after the flood'), port);
    expect(String(await within(5_000, 'echo after the flood', client.next()))).toBe('after the flood');
    console.log(
      `udp flood: ${CLIENTS} ports (${binds} binds) in ${Math.round(floodMs)} ms; ${opened} sessions opened, ` +
        `${refusedPorts.size} clients refused (${refusedDatagrams} datagrams), most at once ${mostAtOnce}/${MAX_SESSIONS}, peak held ${peaks.bytes} B / ${peaks.count} datagrams ` +
        `(max_buffer ${MAX_BUFFER}), ${peaks.tailDropped} tail-dropped; fds ${baseline} -> ${fds}`,
    );
  }, 60_000);
});

describe('bad datagrams in a live session', () => {
  const cleanup = useUdpCleanup();

  it('0-byte, 65507-byte and garbage datagrams mixed with 2000 numbered ones: every numbered one arrives', async () => {
    const server = await cleanup.peer(udpEcho());
    // Faults that look at sizes and bytes, all set to pass everything through unchanged or
    // whole, so any loss would be the proxy's: truncate above the maximum, corrupt and
    // duplicate at rate 0, reorder at rate 0, and a delay.
    const chain = [
      { truncate: { max_bytes: 65507 } },
      { corrupt: { rate: 0 } },
      { duplicate: { rate: 0 } },
      { reorder: { rate: 0 } },
      { delay: { ms: 1, jitter_ms: 0 } },
    ];
    const { proxy, port } = await cleanup.proxy({ upstream: chain, downstream: chain }, server.port);
    const client = await cleanup.peer(udpPeer());
    const big = Buffer.alloc(65507);
    for (let i = 0; i < big.length; i++) big[i] = (i * 131) & 0xff;
    let seed = 7;
    const garbage = (): Buffer => {
      const b = Buffer.alloc(1 + (seed % 1500));
      for (let i = 0; i < b.length; i++) b[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
      return b;
    };
    const N = 2000;
    const sent: Buffer[] = [];
    for (let i = 0; i < N; i++) {
      sent.push(numbered(i, 20));
      if (i % 10 === 0) sent.push(Buffer.alloc(0));
      if (i % 50 === 0) sent.push(big);
      if (i % 7 === 0) sent.push(garbage());
    }
    // Windows of 64, each waited for (the echo), so no kernel buffer overflows on loopback.
    for (let i = 0; i < sent.length; i += 64) {
      const window = sent.slice(i, i + 64);
      const before = client.received.length;
      for (const d of window) client.send(d, port);
      await within(5_000, 'window echoed', client.receivedCount(before + window.length));
    }
    const got = client.received;
    expect(got.length).toBe(sent.length);
    const numberedBack = got.filter((d) => d.length === 20).map(numberOf);
    expect(new Set(numberedBack).size).toBeGreaterThanOrEqual(N);
    expect(got.filter((d) => d.length === 0).length).toBe(sent.filter((d) => d.length === 0).length);
    expect(got.filter((d) => d.length === 65507).every((d) => d.equals(big))).toBe(true);
    expect(proxy.sessions.size).toBe(1);
    const [session] = [...proxy.sessions.values()];
    expect(session!.upstream.dropped + session!.downstream.dropped).toBe(0);
  });
});

/** Resolves once the proxy has no session left, on its 'sessionClosed' events. */
function sessionsGone(proxy: UdpProxy): Promise<void> {
  if (proxy.sessions.size === 0) return Promise.resolve();
  return new Promise((resolve) => {
    const on = (): void => {
      if (proxy.sessions.size > 0) return;
      proxy.off('sessionClosed', on);
      resolve();
    };
    proxy.on('sessionClosed', on);
  });
}
