// Test helper: two reliable-UDP endpoints joined by a seeded lossy channel on a virtual clock.
import {
  LossyChannel,
  ReliableUdp,
  VirtualClock,
  type LossyChannelOptions,
  type ReliableUdpOptions,
} from '../../../framing/index.ts';

export interface Sim {
  clock: VirtualClock;
  channel: LossyChannel;
  a: ReliableUdp;
  b: ReliableUdp;
  errors: { a: Error[]; b: Error[] };
}

export function simulate(link: Omit<LossyChannelOptions, 'clock'>, opts: ReliableUdpOptions = {}, bOpts: ReliableUdpOptions = opts): Sim {
  const clock = new VirtualClock();
  const channel = new LossyChannel({ ...link, clock });
  const a = new ReliableUdp(channel.a, { minRto: 20, ...opts, clock });
  const b = new ReliableUdp(channel.b, { minRto: 20, ...bOpts, clock });
  const errors = { a: [] as Error[], b: [] as Error[] };
  a.on('error', (e) => errors.a.push(e));
  b.on('error', (e) => errors.b.push(e));
  return { clock, channel, a, b, errors };
}

/** A message whose first 4 bytes are its index and the rest a pattern derived from it. */
export function numbered(index: number, size: number): Buffer {
  const m = Buffer.alloc(size);
  for (let i = 0; i < size; i++) m[i] = (index + i * 7) & 0xff;
  if (size >= 4) m.writeUInt32BE(index, 0);
  return m;
}
