// Reliable UDP end to end on a virtual clock: exactly once, in order, whole, through every fault, and closed.
import { describe, expect, it } from 'vitest';
import { FramingError, VirtualClock, ReliableUdp, LossyChannel } from '../../../framing/index.ts';
import { mulberry32 } from '../../../framing/reliable-udp/random.ts';
import { codeOf } from '../codes.ts';
import { numbered, simulate } from './sim.ts';

/** Seeded sizes: mostly small, some several datagrams, a few up to 64 KiB. */
function mixedSizes(count: number, seed: number): number[] {
  const random = mulberry32(seed);
  return Array.from({ length: count }, () => {
    const r = random();
    const scale = r < 0.7 ? 1024 : r < 0.95 ? 8192 : 65_536;
    return Math.floor(random() * (scale + 1));
  });
}

describe('ReliableUdp over a lossy channel', () => {
  it('delivers 10 000 mixed messages (up to 64 KiB) exactly once, in order, through 30% loss, 5% duplication, 10% reordering, 2% corruption, 1% truncation', () => {
    const sim = simulate(
      { seed: 42, loss: 0.3, duplicate: 0.05, reorder: 0.1, corrupt: 0.02, truncate: 0.01, delayMs: { min: 1, max: 5 }, reorderDelayMs: 20 },
      { maxRetries: 30 },
    );
    const sizes = mixedSizes(10_000, 1);
    sizes[5000] = 65_536;
    let received = 0;
    const wrong: number[] = [];
    sim.b.on('message', (m) => {
      const i = received++;
      if (!m.equals(numbered(i, sizes[i] ?? -1))) wrong.push(i);
    });
    sizes.forEach((size, i) => sim.a.send(numbered(i, size)));
    expect(sim.clock.run(() => received === sizes.length)).toBe(true);
    expect(wrong).toEqual([]);
    expect(sim.errors).toEqual({ a: [], b: [] });
    // Corrupted and truncated datagrams were really seen, and discarded.
    expect(sim.b.stats.corruptReceived).toBeGreaterThan(100);
    expect(sim.b.stats.duplicatesReceived).toBeGreaterThan(100);
    expect(sim.a.stats.retransmissions).toBeGreaterThan(1000);
    // Nothing arrives after the last message: exactly once.
    sim.clock.run(() => sim.a.bufferedAmount === 0);
    sim.clock.advance(1000);
    expect(received).toBe(sizes.length);
    sim.channel.close();
  });

  it('carries traffic both ways at once and closes cleanly: end, close, no timers left', async () => {
    const sim = simulate({ seed: 7, loss: 0.2, duplicate: 0.05, reorder: 0.1, delayMs: { min: 1, max: 10 } });
    const got = { a: [] as number[], b: [] as number[] };
    sim.a.on('message', (m) => got.a.push(m.readUInt32BE(0)));
    sim.b.on('message', (m) => got.b.push(m.readUInt32BE(0)));
    const ended: string[] = [];
    sim.a.on('end', () => ended.push('a'));
    sim.b.on('end', () => ended.push('b'));
    for (let i = 0; i < 300; i++) {
      sim.a.send(numbered(i, 4 + (i % 3000)));
      sim.b.send(numbered(i, 4 + ((i * 13) % 2500)));
    }
    const closed = sim.a.close();
    sim.clock.run(() => sim.a.isDestroyed && sim.b.isDestroyed);
    await closed;
    const all = Array.from({ length: 300 }, (_, i) => i);
    expect(got).toEqual({ a: all, b: all });
    expect(ended.sort()).toEqual(['a', 'b']);
    expect(sim.errors).toEqual({ a: [], b: [] });
    expect(sim.clock.pending).toBe(0);
  });

  it('fragments a 1 MiB message and reassembles it', () => {
    const sim = simulate({ seed: 3, loss: 0.1, reorder: 0.2, delayMs: { min: 1, max: 3 } });
    const big = numbered(1, 1024 * 1024);
    let got: Buffer | undefined;
    sim.b.on('message', (m) => (got = m));
    sim.a.send(big);
    sim.clock.run(() => got !== undefined);
    expect(got?.equals(big)).toBe(true);
    expect(sim.a.stats.segmentsSent).toBe(Math.ceil(big.length / 1200));
  });

  it('works across the 32-bit sequence number wrap', () => {
    const initialSeq = 2 ** 32 - 50;
    const sim = simulate({ seed: 5, loss: 0.2, reorder: 0.2, delayMs: { min: 1, max: 4 } }, { initialSeq });
    const got: number[] = [];
    sim.b.on('message', (m) => got.push(m.readUInt32BE(0)));
    for (let i = 0; i < 200; i++) sim.a.send(numbered(i, 100));
    sim.clock.run(() => got.length === 200);
    expect(got).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  it('gives up with ERR_RUDP_GIVE_UP after maxRetries timeouts when the peer is gone', async () => {
    const sim = simulate({ seed: 1, loss: 1 }, { maxRetries: 4, minRto: 50, initialRto: 50 });
    sim.a.send(Buffer.from('anyone?'));
    const closing = sim.a.close();
    const outcome = closing.then(
      () => 'closed',
      (e: FramingError) => e.code,
    );
    sim.clock.run();
    expect(await outcome).toBe('ERR_RUDP_GIVE_UP');
    expect(sim.errors.a.map((e) => (e as FramingError).code)).toEqual(['ERR_RUDP_GIVE_UP']);
    expect(sim.a.isDestroyed).toBe(true);
    // 50 + 100 + 200 + 400 + 800 ms of backed-off timeouts, then the fifth timeout gives up.
    expect(sim.clock.now()).toBe(1550);
    // The message and the FIN, each sent once and retransmitted at each of the four timeouts before.
    expect(sim.a.stats.datagramsSent).toBe(10);
  });

  it('finishes a close whose last acknowledgement never comes, once the peer has closed too', async () => {
    const clock = new VirtualClock();
    const channel = new LossyChannel({ seed: 1, clock, delayMs: 5 });
    let cut = false;
    // b's side of the link goes dead right after b's FIN leaves: a gets that FIN but never an ack of its own.
    const bSide = { send: (d: Uint8Array) => cut || channel.b.send(d), onMessage: channel.b.onMessage.bind(channel.b), close: () => {} };
    const a = new ReliableUdp(channel.a, { clock, minRto: 20, initialRto: 20 });
    const b = new ReliableUdp(bSide, { clock, minRto: 20, initialRto: 20, lingerMs: 0 });
    const errors: Error[] = [];
    a.on('error', (e) => errors.push(e));
    b.on('error', (e) => errors.push(e));
    const closed = Promise.all([a.close(), b.close()]);
    cut = true;
    clock.run();
    await closed;
    expect(errors).toEqual([]);
    expect(a.isDestroyed && b.isDestroyed).toBe(true);
    // One FIN and three retransmissions after the peer's FIN arrived, not maxRetries (10) of them.
    expect(a.stats.retransmissions).toBe(3);
  });

  it('applies flow control: a paused receiver shuts the window, the sender probes, resume drains it all', () => {
    const sim = simulate({ seed: 2, loss: 0.1, delayMs: 2 }, { window: 16 });
    const got: number[] = [];
    sim.b.on('message', (m) => got.push(m.readUInt32BE(0)));
    sim.b.pause();
    for (let i = 0; i < 100; i++) sim.a.send(numbered(i, 10));
    sim.clock.run(() => sim.a.stats.probesSent >= 3);
    expect(got).toEqual([]);
    // Only a window's worth was accepted: the rest waits at the sender.
    expect(sim.a.stats.segmentsSent).toBe(16);
    sim.b.resume();
    sim.clock.run(() => got.length === 100);
    expect(got).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(sim.errors).toEqual({ a: [], b: [] });
  });

  it('does not count a paused receiver against the retry limit, even with a smaller window than the sender', () => {
    const sim = simulate({ seed: 4, delayMs: 2 }, { window: 64, maxRetries: 2 }, { window: 8, maxRetries: 2 });
    const got: number[] = [];
    sim.b.on('message', (m) => got.push(m.readUInt32BE(0)));
    sim.b.pause();
    for (let i = 0; i < 40; i++) sim.a.send(numbered(i, 10));
    // A minute of a shut window: segments beyond it wait, probes are answered, nobody gives up.
    sim.clock.advance(60_000);
    expect(got).toEqual([]);
    sim.b.resume();
    sim.clock.run(() => got.length === 40);
    expect(got).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(sim.errors).toEqual({ a: [], b: [] });
  });

  it('gives up on a peer that has said nothing for idleTimeoutMs', () => {
    const sim = simulate({ seed: 1, loss: 1 }, { idleTimeoutMs: 500 });
    sim.clock.run();
    expect(sim.clock.now()).toBe(500);
    expect(sim.errors.a.map((e) => (e as FramingError).code)).toEqual(['ERR_RUDP_GIVE_UP']);
  });

  it('signals send backpressure with false and then drain', () => {
    const sim = simulate({ seed: 2, delayMs: 1 }, { highWaterMark: 5000 });
    expect(sim.a.send(Buffer.alloc(4000))).toBe(true);
    expect(sim.a.send(Buffer.alloc(4000))).toBe(false);
    let drained = false;
    sim.a.on('drain', () => (drained = true));
    sim.clock.run(() => drained);
    expect(sim.a.bufferedAmount).toBeLessThanOrEqual(5000);
  });

  it('reads messages as an async iterable that ends at the peer FIN', async () => {
    const sim = simulate({ seed: 8, loss: 0.1, delayMs: 1 });
    for (let i = 0; i < 50; i++) sim.a.send(numbered(i, 8));
    void sim.a.close();
    const reading = (async () => {
      const got: number[] = [];
      for await (const m of sim.b.messages(4)) got.push(m.readUInt32BE(0));
      return got;
    })();
    // The iterator pauses the connection while 4 messages wait, so the clock must be driven alongside it.
    for (let turns = 0; !sim.b.isDestroyed && turns < 100_000; turns++) {
      sim.clock.step();
      await Promise.resolve();
    }
    expect(await reading).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('refuses sends after close and messages above maxMessage, and validates options', () => {
    const clock = new VirtualClock();
    const channel = new LossyChannel({ seed: 1, clock });
    const a = new ReliableUdp(channel.a, { clock, maxMessage: 10 });
    expect(codeOf(() => a.send(Buffer.alloc(11)))).toBe('ERR_FRAME_TOO_LARGE');
    void a.close().catch(() => {});
    expect(codeOf(() => a.send(Buffer.alloc(1)))).toBe('ERR_RUDP_CLOSED');
    a.destroy();
    expect(codeOf(() => new ReliableUdp(channel.b, { clock, window: 0 }))).toBe('ERR_FRAMING_OPTION');
    expect(codeOf(() => new ReliableUdp(channel.b, { clock, minRto: 500, maxRto: 100 }))).toBe('ERR_FRAMING_OPTION');
    expect(codeOf(() => new ReliableUdp(channel.b, { clock, maxPayload: 1, maxMessage: 1e6 }))).toBe('ERR_FRAMING_OPTION');
  });
});
