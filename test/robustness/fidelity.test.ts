// Byte fidelity at volume: 1 GiB (WIREFAULT_FIDELITY_BYTES to change it) through split, coalesce
// and delay. The client hashes what it writes, the server what it reads, and the server's digest
// comes back to the client through the downstream chain, where both are compared.
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { collect, nextConnection, startServer, useCleanup } from '../helpers/net.ts';
import { within } from './support.ts';

const MiB = 1024 * 1024;
/** The volume: 1 GiB by default; the env var lets a slower machine (or a quick local run) change it. */
const VOLUME = Number(process.env.WIREFAULT_FIDELITY_BYTES ?? 1024 * MiB);
const CHUNK = 256 * 1024;
const BLOCK = 4 * MiB;

/** A seeded pseudo-random block (xorshift32); chunks are slices of it stamped with their number. */
function block(size: number, seed: number): Buffer {
  const b = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i + 4 <= size; i += 4) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    b.writeUInt32LE(x, i);
  }
  return b;
}

/**
 * Write `total` bytes honouring backpressure; resolves with their sha256. Every chunk differs
 * (a slice at a moving offset, stamped with its index), so a duplicated, dropped or swapped
 * chunk changes the digest. Chunks are written from a small pool of buffers, each reused only
 * once its previous write has been flushed (its callback ran): no allocation per chunk.
 */
async function send(s: Socket, total: number, seed: number): Promise<string> {
  const base = block(BLOCK + CHUNK, seed);
  const pool = Array.from({ length: 8 }, () => ({ buf: Buffer.allocUnsafe(CHUNK), flushed: Promise.resolve() }));
  const hash = createHash('sha256');
  let n = 0;
  for (let sent = 0; sent < total; n++) {
    const size = Math.min(CHUNK, total - sent);
    const slot = pool[n % pool.length]!;
    await slot.flushed;
    const off = (n * 7919 * 64) % BLOCK;
    base.copy(slot.buf, 0, off, off + size);
    if (size >= 8) slot.buf.writeBigUInt64LE(BigInt(n), 0);
    const chunk = slot.buf.subarray(0, size);
    hash.update(chunk);
    sent += size;
    let flushed!: () => void;
    slot.flushed = new Promise<void>((r) => (flushed = r));
    if (!s.write(chunk, () => flushed())) await once(s, 'drain');
  }
  s.end();
  return hash.digest('hex');
}

describe('byte fidelity at volume', () => {
  const cleanup = useCleanup();

  it(`${VOLUME} bytes through split + coalesce + delay: sha256 equal on both ends`, async () => {
    // The server hashes what it reads and, at EOF, answers with its digest and byte count.
    const server = await cleanup.server(
      startServer((s) => {
        const hash = createHash('sha256');
        let bytes = 0;
        s.on('data', (c: Buffer) => {
          hash.update(c);
          bytes += c.length;
        });
        s.once('end', () => s.end(JSON.stringify({ sha: hash.digest('hex'), bytes })));
      }),
    );
    const upstream = [
      { split: { min: 16 * 1024, max: 128 * 1024 } },
      { coalesce: { bytes: 192 * 1024, window_ms: 1 } },
      { delay: { ms: 1, jitter_ms: 1 } },
    ];
    // The answer is small: glued, then cut into 1..7-byte writes 1 ms apart (so the client
    // really reads pieces), then delayed: the downstream chain works on it too.
    const downstream = [{ coalesce: { bytes: 16, window_ms: 1 } }, { split: { min: 1, max: 7, gap_ms: 1 } }, { delay: { ms: 1, jitter_ms: 2 } }];
    const { proxy, port } = await cleanup.proxy({ upstream, downstream }, server.port, 9);
    const accepted = nextConnection(proxy);
    const client = await cleanup.connect(port);
    const conn = await accepted;
    const answer = collect(client);
    const started = performance.now();
    const sent = await within(120_000, 'sending the volume', send(client, VOLUME, 1));
    const reply = await within(10_000, "the server's digest", answer);
    const seconds = (performance.now() - started) / 1000;
    expect(reply.error).toBeUndefined();
    const got = JSON.parse(reply.data.toString()) as { sha: string; bytes: number };
    expect(got.bytes).toBe(VOLUME);
    expect(got.sha).toBe(sent);
    expect(reply.reads.length).toBeGreaterThan(1); // the answer really was cut up on the way
    const up = conn.upstream!;
    expect(up.trace.totals.bytesIn).toBe(VOLUME);
    expect(up.trace.totals.bytesOut).toBe(VOLUME);
    expect(up.peakHeld).toBeLessThanOrEqual(4 * MiB); // the default max_buffer held
    console.log(
      `fidelity: ${VOLUME / MiB} MiB in ${seconds.toFixed(1)} s (${(VOLUME / MiB / seconds).toFixed(0)} MiB/s), ` +
        `peak held ${up.peakHeld} B; digest answer in ${reply.reads.length} reads`,
    );
  }, 150_000);
});
