// One direction of one UDP session: numbers each datagram, runs the fault chain, sends what comes out.
//
//   socket 'message' ──▶ push(): index n, trace `in`
//        │
//        ▼
//   [stage 0: fault.process(d, now)] ──now──▶ [stage 1] ──▶ … ──▶ send(): trace `out`
//        │ emissions with a later `at`              ▲
//        ▼ (delay, throttle)                        │
//   stage's timed queue: min-heap on (at, arrival) ─┘ one timer per stage, for the earliest
//   fault.release(now) at fault.nextRelease() (reorder's hold_ms) ─▶ next stage
//
// A datagram is never merged or split: a stage hands datagrams on one by one, whole. Faults
// decide; only this link owns timers, and disposing it clears them and forgets what it held.
// UDP has no backpressure to apply, so the bound is a tail drop: a datagram is held (in a timed
// queue or by reorder) only while the direction holds less than max_buffer bytes and fewer than
// max_buffer / 64 datagrams — the count bound keeps a flood of empty datagrams bounded too.
import type { Logger } from 'pino';
import type { LinkTap } from './capture.ts';
import type { ResolvedFault } from './config.ts';
import type { Datagram, DatagramContext, DatagramFault, Emission } from './faults/udp/contract.ts';
import { UDP_FAULTS } from './faults/registry.ts';
import { Rng, faultSeed, type Direction } from './rng.ts';
import { Timers } from './timers.ts';
import { Trace } from './trace.ts';

/** Each held datagram counts against max_buffer / HELD_DATAGRAM_SHARE datagrams as well as its bytes. */
export const HELD_DATAGRAM_SHARE = 64;
/** Timers fire up to a millisecond off: release what is due within this much of now. */
const TIMER_SLACK_MS = 1;

export interface DatagramLinkOptions {
  dir: Direction;
  /** Session index within the proxy run, for seeding and logs. */
  session: number;
  seed: number;
  faults: readonly ResolvedFault[];
  /** Each fault's place in the configured chain (seeds its generator); default: its index here. */
  positions?: readonly number[];
  /** Bytes this direction may hold in delay/throttle/reorder queues. */
  maxBuffer: number;
  traceLimit?: number;
  /** Packet capture (--pcap): sees every datagram in and out, and the trace's fault events. */
  tap?: LinkTap | undefined;
  log: Logger;
  /** Hand a datagram to the socket. */
  send(data: Buffer): void;
}

interface Timed {
  at: number;
  seq: number;
  datagram: Datagram;
}

/** Binary min-heap on (at, seq): equal release times leave in arrival order. */
class TimedQueue {
  private readonly items: Timed[] = [];
  bytes = 0;

  get length(): number {
    return this.items.length;
  }

  peek(): Timed | undefined {
    return this.items[0];
  }

  push(item: Timed): void {
    const a = this.items;
    a.push(item);
    this.bytes += item.datagram.data.length;
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(a[i]!, a[parent]!)) break;
      [a[i], a[parent]] = [a[parent]!, a[i]!];
      i = parent;
    }
  }

  pop(): Timed | undefined {
    const a = this.items;
    const top = a[0];
    if (top === undefined) return undefined;
    this.bytes -= top.datagram.data.length;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && before(a[l]!, a[m]!)) m = l;
        if (r < a.length && before(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}

function before(x: Timed, y: Timed): boolean {
  return x.at < y.at || (x.at === y.at && x.seq < y.seq);
}

/** One fault of the chain with its timed queue and timer. */
class Stage {
  readonly queue = new TimedQueue();
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  fault!: DatagramFault;

  constructor(
    private readonly link: DatagramLink,
    readonly name: string,
    private readonly next: (d: Datagram) => void,
    private readonly timers: Timers,
  ) {}

  input(datagram: Datagram): void {
    this.handle(this.fault.process(datagram, this.link.now()));
  }

  private handle(emissions: Emission[]): void {
    const now = this.link.now();
    for (const { datagram, at } of emissions) {
      if (at === undefined || at <= now) this.next(datagram);
      else if (this.link.room(datagram.data.length)) this.queue.push({ at, seq: this.seq++, datagram });
      else this.link.discard(datagram, `${this.name}: max_buffer`);
    }
    this.link.track();
    this.arm();
  }

  /** Keep one timer, set for the earliest of the queue's head and the fault's own release. */
  private arm(): void {
    const due = Math.min(this.queue.peek()?.at ?? Infinity, this.fault.nextRelease?.() ?? Infinity);
    if (due === this.timerAt) return;
    this.timers.cancel(this.timer);
    this.timer = undefined;
    this.timerAt = due;
    if (due === Infinity) return;
    this.timer = this.timers.after(due - this.link.now(), () => this.fire());
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = this.link.now();
    for (let head = this.queue.peek(); head && head.at <= now + TIMER_SLACK_MS; head = this.queue.peek()) {
      this.queue.pop();
      this.next(head.datagram);
      if (this.timers.isDisposed) return;
    }
    const released = this.fault.release?.(now + TIMER_SLACK_MS) ?? [];
    this.handle(released);
  }

  held(): { bytes: number; count: number } {
    const own = this.fault.held?.() ?? { bytes: 0, count: 0 };
    return { bytes: this.queue.bytes + own.bytes, count: this.queue.length + own.count };
  }
}

export class DatagramLink {
  readonly trace: Trace;
  readonly dir: Direction;
  /** Datagrams removed on purpose: by a fault, by the max_buffer bound, or after disposal. */
  dropped = 0;
  /** Most this direction ever held at once; tests read it to prove the bound. */
  readonly peakHeld = { bytes: 0, count: 0 };
  private readonly opts: DatagramLinkOptions;
  private readonly timers = new Timers();
  private readonly stages: Stage[] = [];
  private readonly first: (d: Datagram) => void;
  private readonly maxCount: number;
  private readonly start = performance.now();
  private index = 0;

  constructor(opts: DatagramLinkOptions) {
    this.opts = opts;
    this.dir = opts.dir;
    this.trace = opts.tap?.trace(opts.traceLimit) ?? new Trace(opts.traceLimit);
    this.maxCount = Math.max(1, Math.floor(opts.maxBuffer / HELD_DATAGRAM_SHARE));
    // Build the chain back to front so each stage knows where its output goes.
    let next = (d: Datagram): void => this.out(d);
    for (let i = opts.faults.length - 1; i >= 0; i--) {
      const stage = new Stage(this, opts.faults[i]!.name, next, this.timers);
      this.stages.unshift(stage);
      next = (d) => stage.input(d);
    }
    this.first = next;
    opts.faults.forEach((spec, i) => {
      const def = UDP_FAULTS[spec.name as keyof typeof UDP_FAULTS];
      const context: DatagramContext = {
        rng: new Rng(faultSeed(opts.seed, opts.session, opts.dir, opts.positions?.[i] ?? i)),
        discard: (d, note) => this.discard(d, note),
        note: (kind, index, size, note) => this.trace.record(kind, index, size, note),
        room: (bytes) => this.room(bytes),
      };
      // The registry maps names to differently typed definitions; the config already validated
      // these options against this very fault's schema, so the widening cast is sound.
      this.stages[i]!.fault = (def.create as (o: unknown, c: DatagramContext) => DatagramFault)(spec.options, context);
    });
  }

  /** Milliseconds since the link started: the clock faults see. */
  now(): number {
    return performance.now() - this.start;
  }

  /** A datagram read from the source socket. */
  push(data: Buffer): void {
    const index = this.index++;
    this.opts.tap?.in(data);
    this.trace.record('in', index, data.length);
    if (this.timers.isDisposed) {
      this.discard({ data, index }, 'after-close');
      return;
    }
    this.first({ data, index });
  }

  /** What the queues and faults of this direction hold now. */
  get held(): { bytes: number; count: number } {
    let bytes = 0;
    let count = 0;
    for (const stage of this.stages) {
      const h = stage.held();
      bytes += h.bytes;
      count += h.count;
    }
    return { bytes, count };
  }

  /** Whether one more datagram of `bytes` may be held. */
  room(bytes: number): boolean {
    const h = this.held;
    return h.bytes + bytes <= this.opts.maxBuffer && h.count + 1 <= this.maxCount;
  }

  track(): void {
    const h = this.held;
    if (h.bytes > this.peakHeld.bytes) this.peakHeld.bytes = h.bytes;
    if (h.count > this.peakHeld.count) this.peakHeld.count = h.count;
  }

  discard(datagram: Datagram, note: string): void {
    this.dropped++;
    this.trace.record('drop', datagram.index, datagram.data.length, note);
  }

  private out(datagram: Datagram): void {
    this.trace.record('out', datagram.index, datagram.data.length);
    this.opts.tap?.out(datagram.data);
    this.opts.send(datagram.data);
  }

  /** Clear every timer and forget what is held; later datagrams are discarded. */
  dispose(why = 'closed'): void {
    if (this.timers.isDisposed) return;
    const h = this.held;
    if (h.count > 0) {
      const { session, log } = this.opts;
      log.debug({ session, dir: this.dir, datagrams: h.count, bytes: h.bytes }, 'held datagrams discarded at close');
    }
    this.trace.record('end', this.index, 0, why);
    this.timers.dispose();
  }
}
