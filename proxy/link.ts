// One direction of one TCP connection: reads the source, runs the fault chain, writes the sink.
//
//   source socket ──data──▶ [stage 0: fault] ──▶ [stage 1: fault] ──▶ … ──▶ sink socket
//         ▲                                                                   │
//         └────── pause() while held ≥ max_buffer, resume() as it drains ◀────┘
//
// Each stage runs its fault on one item at a time (a chunk or the end of the stream); a fault
// that returns a promise holds its stage, and items wait in that stage's queue. "Held" is every
// byte read from the source and not yet handed to the kernel: stage queues, bytes a fault keeps
// (coalesce, delay), and the sink socket's user-space write buffer. It never exceeds max_buffer:
// the part of a read that does not fit is put back into the source with unshift().
//
// replaceFaults() swaps the chain of a live link (serve's toxics): new input goes to the new
// chain, whose output waits at its gate while a handover marker flows through the old chain,
// letting each fault release what it holds; when the marker reaches the old gate, that gate is
// cut (later timers of old faults act on nothing) and the new one opens. Order is kept.
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { StreamContext, StreamEnd, StreamFault, StreamOut } from './faults/tcp/contract.ts';
import type { ResolvedFault } from './config.ts';
import { TCP_FAULTS } from './faults/registry.ts';
import { Rng, faultSeed, type Direction } from './rng.ts';
import { Timers } from './timers.ts';
import { Trace } from './trace.ts';
import type { LinkTap } from './capture.ts';

/** Longest a reset waits for bytes before it to leave user space (see ended()). */
const RESET_FLUSH_GRACE_MS = 100;

type Item = Buffer | { end: StreamEnd } | { handover: () => void };

export interface StreamLinkOptions {
  source: Socket;
  sink: Socket;
  dir: Direction;
  /** Connection index within the proxy run, for seeding and logs. */
  conn: number;
  seed: number;
  faults: readonly ResolvedFault[];
  /**
   * Each fault's place in the configured chain, which seeds its generator. A connection that
   * skips a fault (its `probability`) leaves a gap, so the faults after it draw as they would
   * have anyway. Defaults to the index in `faults`.
   */
  positions?: readonly number[];
  maxBuffer: number;
  traceLimit?: number;
  /** Packet capture (--pcap): sees every chunk in and out, and the trace's fault events. */
  tap?: LinkTap;
  log: Logger;
  /** Called once when a fault asks to close or reset the whole connection. */
  onConnectionEnd(how: 'close' | 'reset'): void;
}

/** A FIFO with O(1) shift; stage queues can hold many small chunks. */
class Queue<T> {
  private items: (T | undefined)[] = [];
  private head = 0;
  get length(): number {
    return this.items.length - this.head;
  }
  push(item: T): void {
    this.items.push(item);
  }
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

class Stage implements StreamOut {
  private readonly queue = new Queue<Item>();
  private running = false;
  private finished = false;
  /** The fault has been told its input ended (end or handover): it holds nothing more. */
  private released = false;
  private offset = 0;
  fault: StreamFault | undefined;

  constructor(
    private readonly link: StreamLink,
    private readonly next: StreamOut,
    private readonly timers: Timers,
  ) {}

  push(chunk: Buffer): void {
    if (this.finished) {
      this.link.discard(this.offset, chunk.length, 'after-end');
      return;
    }
    this.queue.push(chunk);
    if (!this.running) void this.run();
  }

  finish(how: Exclude<StreamEnd, 'fin'>): void {
    this.enqueueEnd(how);
  }

  enqueueEnd(how: StreamEnd): void {
    if (this.finished) return;
    this.finished = true;
    this.queue.push({ end: how });
    if (!this.running) void this.run();
  }

  /** Queued even after the end: it must still reach the gate to let the next chain take over. */
  enqueueHandover(done: () => void): void {
    this.queue.push({ handover: done });
    if (!this.running) void this.run();
  }

  private async run(): Promise<void> {
    this.running = true;
    const fault = this.fault;
    if (!fault) throw new Error('stage started before its fault was created');
    for (;;) {
      const item = this.queue.shift();
      if (item === undefined) break;
      if (Buffer.isBuffer(item)) {
        const offset = this.offset;
        this.offset += item.length;
        const pending = fault.write(item, offset);
        if (pending) await pending;
      } else if ('handover' in item) {
        if (!this.released && fault.end) {
          const pending = fault.end();
          if (pending) await pending;
        }
        this.released = true;
        if (this.next instanceof Stage) this.next.enqueueHandover(item.handover);
        else item.handover();
      } else {
        if (item.end !== 'reset' && fault.end) {
          const pending = fault.end();
          if (pending) await pending;
        }
        this.released = true;
        this.forwardEnd(item.end);
      }
      if (this.timers.isDisposed) return;
    }
    this.running = false;
  }

  private forwardEnd(how: StreamEnd): void {
    if (this.next instanceof Stage) this.next.enqueueEnd(how);
    else if (how === 'fin') this.next.finish('half-close');
    else this.next.finish(how);
  }
}

/**
 * The end of one chain, in front of the sink. A replacement chain's gate holds its output until
 * the chain before it has handed over; a replaced chain's gate is cut and passes nothing on.
 */
class Gate implements StreamOut {
  private waiting: (Buffer | { end: Exclude<StreamEnd, 'fin'> })[] | undefined;
  private cut = false;
  /** The gate to open once this one has opened and been cut (swaps faster than handovers). */
  private successor: Gate | undefined;

  constructor(
    private readonly link: StreamLink,
    private readonly sink: Sink,
    open: boolean,
  ) {
    this.waiting = open ? undefined : [];
  }

  push(chunk: Buffer): void {
    if (this.cut) this.link.discard(0, chunk.length, 'replaced chain');
    else if (this.waiting) this.waiting.push(chunk);
    else this.sink.push(chunk);
  }

  finish(how: Exclude<StreamEnd, 'fin'>): void {
    if (this.cut) return;
    if (this.waiting) this.waiting.push({ end: how });
    else this.sink.finish(how);
  }

  /** The old chain has drained into this gate: stop it here and let `next` through. */
  handOver(next: Gate): void {
    if (this.waiting) {
      this.successor = next;
      return;
    }
    this.cut = true;
    next.open();
  }

  private open(): void {
    const waiting = this.waiting ?? [];
    this.waiting = undefined;
    for (const item of waiting) {
      if (Buffer.isBuffer(item)) this.sink.push(item);
      else this.sink.finish(item.end);
    }
    if (this.successor) this.handOver(this.successor);
  }
}

/** The last step: writes chunks to the sink socket and carries out how the direction ends. */
class Sink implements StreamOut {
  private ended = false;
  outOffset = 0;
  /**
   * Called as each write reaches the kernel. 'drain' alone is not enough: it only fires after a
   * write() returned false, i.e. past the socket's 16 KiB high-water mark, so a link whose
   * max_buffer is below that would stay paused for good once its bytes left user space.
   */
  private readonly written = (): void => this.link.maybeResume();

  constructor(private readonly link: StreamLink, private readonly socket: Socket) {}

  push(chunk: Buffer): void {
    if (this.ended || this.socket.destroyed) {
      this.link.discard(this.outOffset, chunk.length, 'after-end');
      return;
    }
    this.link.trace.record('out', this.outOffset, chunk.length);
    this.link.tap?.out(chunk);
    this.outOffset += chunk.length;
    this.socket.write(chunk, this.written);
    this.link.wrote(chunk.length);
  }

  finish(how: Exclude<StreamEnd, 'fin'>): void {
    if (this.ended) return;
    this.ended = true;
    this.link.trace.record('end', this.outOffset, 0, how);
    this.link.ended(how);
  }
}

export class StreamLink {
  readonly trace: Trace;
  readonly tap: LinkTap | undefined;
  readonly dir: Direction;
  private readonly opts: StreamLinkOptions;
  private readonly timers = new Timers();
  /** Where input goes: the current chain's first stage, or its gate when it has no faults. */
  private first: StreamOut;
  private gate: Gate;
  private readonly sink: Sink;
  /** Bytes read from the source and not yet in a stage queue or written: see the diagram. */
  private inStages = 0;
  private inOffset = 0;
  private paused = false;
  private sourceEnded = false;
  /** Highest value `held` reached; tests read it to prove the bound. */
  peakHeld = 0;

  constructor(opts: StreamLinkOptions) {
    this.opts = opts;
    this.dir = opts.dir;
    this.trace = opts.tap?.trace(opts.traceLimit) ?? new Trace(opts.traceLimit);
    this.tap = opts.tap;
    this.sink = new Sink(this, opts.sink);
    this.gate = new Gate(this, this.sink, true);
    this.first = this.build(opts.faults, this.gate, opts.positions);
  }

  /** Build a chain for `faults` ending at `gate`; returns where its input goes. */
  private build(faults: readonly ResolvedFault[], gate: Gate, positions?: readonly number[]): StreamOut {
    const { opts } = this;
    // Build the chain back to front so each stage knows where its output goes.
    let next: StreamOut = gate;
    const stages: Stage[] = [];
    for (let i = faults.length - 1; i >= 0; i--) {
      const stage = new Stage(this, next, this.timers);
      stages.unshift(stage);
      next = stage;
    }
    faults.forEach((spec, i) => {
      const stage = stages[i]!;
      const rng = new Rng(faultSeed(opts.seed, opts.conn, opts.dir, positions?.[i] ?? i));
      const def = TCP_FAULTS[spec.name as keyof typeof TCP_FAULTS];
      stage.fault = (def.create as (o: unknown, c: unknown) => StreamFault)(spec.options, {
        rng,
        out: stages[i + 1] ?? gate,
        timers: this.timers,
        discard: (offset: number, bytes: number, note: string) => this.discard(offset, bytes, note),
        note: (kind, offset, size, note) => this.trace.record(kind, offset, size, note),
      } satisfies StreamContext);
    });
    return next;
  }

  /**
   * Run `faults` from now on (serve's live toxics): bytes already read finish their way through
   * the old chain, which releases what it holds; the new chain's output follows them. Faults of
   * the new chain count offsets and times from this call and draw from fresh generators, seeded
   * as on a new connection.
   */
  replaceFaults(faults: readonly ResolvedFault[], positions?: readonly number[]): void {
    const oldFirst = this.first;
    const oldGate = this.gate;
    const gate = new Gate(this, this.sink, false);
    this.gate = gate;
    this.first = this.build(faults, gate, positions);
    if (oldFirst instanceof Stage) oldFirst.enqueueHandover(() => oldGate.handOver(gate));
    else oldGate.handOver(gate);
  }

  /** Bytes this link holds: in stages and faults, plus the sink's unsent user-space buffer. */
  get held(): number {
    return this.inStages + this.opts.sink.writableLength;
  }

  start(): void {
    const { source, sink } = this.opts;
    source.on('data', (chunk: Buffer) => this.onData(chunk));
    source.on('end', () => {
      this.sourceEnded = true;
      if (this.first instanceof Stage) this.first.enqueueEnd('fin');
      else this.first.finish('half-close');
    });
    sink.on('drain', () => this.maybeResume());
    source.resume();
  }

  private onData(chunk: Buffer): void {
    const room = this.opts.maxBuffer - this.held;
    if (chunk.length > room) {
      // Keep the link within its bound: the rest waits in the source until we have room.
      this.pause();
      if (room <= 0) {
        this.opts.source.unshift(chunk);
        return;
      }
      this.opts.source.unshift(chunk.subarray(room));
      chunk = chunk.subarray(0, room);
    }
    this.trace.record('in', this.inOffset, chunk.length);
    this.tap?.in(chunk);
    this.inOffset += chunk.length;
    this.inStages += chunk.length;
    this.first.push(chunk);
    this.track();
  }

  private track(): void {
    const held = this.held;
    if (held > this.peakHeld) this.peakHeld = held;
    // Like pipe(): also stop reading while the sink asks for a drain, so data waits in the
    // kernel rather than in user space; max_buffer bounds what faults may hold on top.
    if (held >= this.opts.maxBuffer || this.opts.sink.writableNeedDrain) this.pause();
  }

  private pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.opts.source.pause();
  }

  maybeResume(): void {
    if (!this.paused || this.sourceEnded || this.timers.isDisposed) return;
    if (this.held < this.opts.maxBuffer && !this.opts.sink.writableNeedDrain) {
      this.paused = false;
      this.opts.source.resume();
    }
  }

  /** Bytes removed on purpose (by a fault, or arriving after the direction ended or its chain was replaced). */
  discard(offset: number, bytes: number, note: string): void {
    if (bytes <= 0) return;
    this.trace.record('drop', offset, bytes, note);
    this.inStages -= bytes;
    this.maybeResume();
  }

  /** The sink wrote bytes: they moved from the stages into the socket's own buffer. */
  wrote(bytes: number): void {
    this.inStages -= bytes;
    this.track();
    this.maybeResume();
  }

  ended(how: Exclude<StreamEnd, 'fin'>): void {
    const { sink, log, conn, dir } = this.opts;
    log.debug({ conn, dir, how }, 'direction ended');
    if (how === 'half-close') {
      if (!sink.destroyed) sink.end();
      return;
    }
    // A close ends both sockets with end(), which already queues each FIN behind the bytes
    // written before it: nothing to wait for (waiting on a peer that never reads would keep the
    // other peer from ever seeing its FIN).
    if (how === 'close') {
      this.opts.onConnectionEnd(how);
      return;
    }
    // A reset discards whatever is unsent, so let the bytes before the point reach the kernel
    // first, then wait two more turns of the event loop: a libuv peer that finds the bytes and
    // the RST waiting in the same poll reports EOF and loses the ECONNRESET, so a peer on this
    // host (in this process: always) gets one poll phase to read the bytes before the RST.
    let acted = false;
    const act = (): void => {
      if (acted) return;
      acted = true;
      setImmediate(() => setImmediate(() => this.opts.onConnectionEnd(how)));
    };
    if (sink.destroyed || sink.writableLength === 0) return act();
    sink.write(Buffer.alloc(0), act);
    // A peer that does not read would hold the reset back for good; those bytes cannot reach it
    // before the RST anyway, so after a short grace the reset goes out regardless.
    this.timers.after(RESET_FLUSH_GRACE_MS, act);
  }

  dispose(): void {
    this.timers.dispose();
  }
}
