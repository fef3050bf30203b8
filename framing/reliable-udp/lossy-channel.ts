// An in-memory datagram link with seeded loss, duplication, reordering, corruption, truncation and delay.
import { realClock, type Clock } from './clock.ts';
import { mulberry32 } from './random.ts';
import type { DatagramTransport } from './transport.ts';

/** What one direction does to datagrams. Rates are probabilities per datagram, 0..1. */
export interface LinkConditions {
  loss?: number;
  duplicate?: number;
  /** Share of datagrams held back by an extra `reorderDelayMs`, so later ones overtake them. */
  reorder?: number;
  /** Share of datagrams with one bit flipped. */
  corrupt?: number;
  /** Share of datagrams cut to a shorter length, as by a too-small receive buffer. */
  truncate?: number;
  /** Delay of each datagram, drawn uniformly (so a range reorders too). Default 0. */
  delayMs?: number | { min: number; max: number };
  /** Extra delay of a reordered datagram, drawn from [0, reorderDelayMs]. Default 10. */
  reorderDelayMs?: number;
  /**
   * Deliver in sending order even when delays differ: a datagram waits for the one before it, like one
   * queue (KCP's LatencySimulator). Default false: delays are independent and reorder.
   */
  fifo?: boolean;
}

export interface LossyChannelOptions extends LinkConditions {
  seed: number;
  /** Default the real clock; a VirtualClock makes a whole transfer run in CPU time only. */
  clock?: Clock;
  /** Conditions of one direction only, over the shared ones. */
  aToB?: LinkConditions;
  bToA?: LinkConditions;
}

export interface LinkStats {
  sent: number;
  delivered: number;
  lost: number;
  duplicated: number;
  reordered: number;
  corrupted: number;
  truncated: number;
  bytes: number;
}

const emptyStats = (): LinkStats => ({ sent: 0, delivered: 0, lost: 0, duplicated: 0, reordered: 0, corrupted: 0, truncated: 0, bytes: 0 });

class Endpoint implements DatagramTransport {
  callback: ((datagram: Buffer) => void) | undefined;
  closed = false;
  constructor(private readonly outgoing: Direction) {}

  send(datagram: Uint8Array): void {
    if (!this.closed) this.outgoing.send(datagram);
  }

  onMessage(callback: (datagram: Buffer) => void): void {
    this.callback = callback;
  }

  close(): void {
    this.closed = true;
  }
}

/** One direction: its own PRNG stream, so the two directions do not disturb each other's draws. */
class Direction {
  readonly stats = emptyStats();
  target: Endpoint | undefined;
  private readonly random: () => number;
  /** Delivery time of the latest datagram scheduled, for `fifo`. */
  private lastDelivery = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly conditions: LinkConditions,
    seed: number,
    private readonly clock: Clock,
    private readonly timers: Set<unknown>,
  ) {
    this.random = mulberry32(seed);
  }

  send(datagram: Uint8Array): void {
    const c = this.conditions;
    const stats = this.stats;
    stats.sent++;
    stats.bytes += datagram.length;
    // Every draw is made whatever the outcome, so one fault's rate does not shift another's pattern.
    const lost = this.random() < (c.loss ?? 0);
    const copies = this.random() < (c.duplicate ?? 0) ? 2 : 1;
    if (lost) {
      stats.lost++;
      return;
    }
    if (copies === 2) stats.duplicated++;
    for (let i = 0; i < copies; i++) this.schedule(this.damage(Buffer.from(datagram)));
  }

  private damage(bytes: Buffer): Buffer {
    const c = this.conditions;
    const corrupt = this.random() < (c.corrupt ?? 0);
    const flipAt = this.random();
    const truncate = this.random() < (c.truncate ?? 0);
    const cutAt = this.random();
    if (corrupt && bytes.length > 0) {
      const bit = Math.floor(flipAt * bytes.length * 8);
      bytes[bit >> 3] = (bytes[bit >> 3] as number) ^ (1 << (bit & 7));
      this.stats.corrupted++;
    }
    if (truncate && bytes.length > 0) {
      this.stats.truncated++;
      return bytes.subarray(0, Math.floor(cutAt * bytes.length));
    }
    return bytes;
  }

  private schedule(bytes: Buffer): void {
    const c = this.conditions;
    const d = c.delayMs ?? 0;
    let delay = typeof d === 'number' ? d : d.min + this.random() * (d.max - d.min);
    if (this.random() < (c.reorder ?? 0)) {
      delay += this.random() * (c.reorderDelayMs ?? 10);
      this.stats.reordered++;
    }
    if (c.fifo) {
      const at = Math.max(this.clock.now() + delay, this.lastDelivery);
      this.lastDelivery = at;
      delay = at - this.clock.now();
    }
    const handle = this.clock.setTimer(delay, () => {
      this.timers.delete(handle);
      const target = this.target;
      if (target === undefined || target.closed) return;
      this.stats.delivered++;
      target.callback?.(bytes);
    });
    this.timers.add(handle);
  }
}

/**
 * Two transports, `a` and `b`, joined by a seeded faulty link. Same seed and same traffic, same faults.
 * The channel owns the timers of datagrams in flight; `close()` cancels them.
 */
export class LossyChannel {
  readonly a: DatagramTransport;
  readonly b: DatagramTransport;
  private readonly ab: Direction;
  private readonly ba: Direction;
  private readonly timers = new Set<unknown>();
  private readonly clock: Clock;

  constructor(opts: LossyChannelOptions) {
    const { seed, clock = realClock, aToB, bToA, ...shared } = opts;
    this.clock = clock;
    this.ab = new Direction({ ...shared, ...aToB }, (seed ^ 0x5bd1e995) >>> 0, clock, this.timers);
    this.ba = new Direction({ ...shared, ...bToA }, (seed ^ 0x27d4eb2f) >>> 0, clock, this.timers);
    const a = new Endpoint(this.ab);
    const b = new Endpoint(this.ba);
    this.ab.target = b;
    this.ba.target = a;
    this.a = a;
    this.b = b;
  }

  get stats(): { aToB: LinkStats; bToA: LinkStats } {
    return { aToB: { ...this.ab.stats }, bToA: { ...this.ba.stats } };
  }

  close(): void {
    for (const handle of this.timers) this.clock.clearTimer(handle);
    this.timers.clear();
    this.a.close();
    this.b.close();
  }
}
