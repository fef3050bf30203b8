// The lossy channel: faults at the configured rates, the same faults for the same seed, FIFO when asked.
import { describe, expect, it } from 'vitest';
import { LossyChannel, VirtualClock, type LossyChannelOptions } from '../../../framing/index.ts';

function transfer(opts: Omit<LossyChannelOptions, 'clock'>, count = 2000) {
  const clock = new VirtualClock();
  const channel = new LossyChannel({ ...opts, clock });
  const received: Buffer[] = [];
  channel.b.onMessage((d) => received.push(d));
  for (let i = 0; i < count; i++) {
    const d = Buffer.alloc(100);
    d.writeUInt32BE(i);
    channel.a.send(d);
  }
  clock.run();
  return { received, stats: channel.stats.aToB };
}

describe('LossyChannel', () => {
  const faults = { loss: 0.3, duplicate: 0.05, reorder: 0.1, corrupt: 0.02, truncate: 0.01, delayMs: { min: 1, max: 5 } };

  it('applies each fault at about its rate', () => {
    const { received, stats } = transfer({ seed: 9, ...faults }, 20_000);
    expect(stats.lost / stats.sent).toBeCloseTo(0.3, 1);
    expect(stats.duplicated / (stats.sent - stats.lost)).toBeCloseTo(0.05, 1);
    expect(stats.corrupted / stats.delivered).toBeCloseTo(0.02, 1);
    expect(received.filter((d) => d.length < 100)).toHaveLength(stats.truncated);
    const order = received.filter((d) => d.length >= 4).map((d) => d.readUInt32BE(0));
    expect(order.some((v, i) => i > 0 && v < (order[i - 1] as number))).toBe(true);
  });

  it('gives the same faults for the same seed, and others for another', () => {
    const one = transfer({ seed: 1, ...faults });
    const again = transfer({ seed: 1, ...faults });
    const other = transfer({ seed: 2, ...faults });
    expect(again.received).toEqual(one.received);
    expect(other.received).not.toEqual(one.received);
  });

  it('keeps sending order with fifo even when delays differ', () => {
    const { received } = transfer({ seed: 4, loss: 0.1, delayMs: { min: 30, max: 62 }, fifo: true });
    const order = received.map((d) => d.readUInt32BE(0));
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it('stops delivering once closed', () => {
    const clock = new VirtualClock();
    const channel = new LossyChannel({ seed: 1, clock, delayMs: 5 });
    const got: Buffer[] = [];
    channel.b.onMessage((d) => got.push(d));
    channel.a.send(Buffer.from('x'));
    channel.close();
    clock.run();
    expect(got).toEqual([]);
    expect(clock.pending).toBe(0);
  });
});
