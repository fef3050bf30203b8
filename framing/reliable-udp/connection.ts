// A reliable, ordered, message-preserving connection over any datagram transport (selective-repeat ARQ).
import { EventEmitter } from 'node:events';
import { asBuffer } from '../decoder.ts';
import { FramingOptionError, FrameTooLargeError, RudpClosedError, RudpGiveUpError } from '../errors.ts';
import { DEFAULT_MAX_FRAME, intOption } from '../options.ts';
import { realClock, type Clock } from './clock.ts';
import {
  DATA_HEADER,
  KIND_ACK,
  KIND_DATA,
  KIND_FIN,
  KIND_PROBE,
  decodePacket,
  elapsedSince,
  encodeAck,
  encodeData,
  encodeProbe,
  unwrapSeq,
  wireTime,
  type AckState,
} from './packet.ts';
import { ReceiveWindow } from './receive-window.ts';
import { RtoEstimator, type RtoOptions } from './rto.ts';
import { SendWindow, type OutSegment } from './send-window.ts';
import type { DatagramTransport } from './transport.ts';

export interface ReliableUdpOptions extends RtoOptions {
  /** Largest payload per datagram; larger messages are fragmented. Default 1200 (safe on any path). */
  maxPayload?: number;
  /** Segments in flight (and held out of order by the receiver). Default 256. Both ends should agree. */
  window?: number;
  /** Largest message sent or accepted, in bytes. Default 16 MiB. */
  maxMessage?: number;
  /** Retransmission timeouts one segment (or window probe) may suffer before giving up. Default 10. */
  maxRetries?: number;
  /** Reordering tolerated before a hole counts as a loss, as a fraction of the minimum RTT. Default 0.25. */
  reorderTolerance?: number;
  /** Bytes queued or unacknowledged above which `send()` returns false (then 'drain'). Default 1 MiB. */
  highWaterMark?: number;
  /** Keep our sending side open after the peer's FIN. Default false: answer it with our own close. */
  allowHalfOpen?: boolean;
  /** How long to keep answering after the close handshake, for a peer whose last ack was lost. Default 3×RTO. */
  lingerMs?: number;
  /** Default the real clock; a VirtualClock (with the LossyChannel) simulates without waiting. */
  clock?: Clock;
  /** First sequence number of each direction; both ends must use the same. Default 0. */
  initialSeq?: number;
  /** Close the transport when the connection is destroyed. Default true. */
  closeTransport?: boolean;
  /**
   * Fail with ERR_RUDP_GIVE_UP when nothing at all has been heard from the peer for this long, even with
   * nothing to send (a peer that vanished without a FIN). Default: never.
   */
  idleTimeoutMs?: number;
}

export interface RudpStats {
  datagramsSent: number;
  datagramsReceived: number;
  /** Bytes of every datagram sent or received (UDP payload: our headers included). */
  bytesSent: number;
  bytesReceived: number;
  messagesSent: number;
  messagesReceived: number;
  /** Message bytes handed to `send()` / delivered: the payload itself, counted once. */
  payloadBytesSent: number;
  payloadBytesReceived: number;
  /** First transmissions of data segments, retransmissions, and the payload bytes retransmitted. */
  segmentsSent: number;
  retransmissions: number;
  retransmittedBytes: number;
  acksSent: number;
  probesSent: number;
  duplicatesReceived: number;
  /** Datagrams dropped because their CRC, length or kind was wrong (corrupted or truncated). */
  corruptReceived: number;
  outsideWindow: number;
}

/** Timeouts our FIN may suffer after the peer's FIN arrived (its last acks may all have been lost). */
const LAST_ACK_RETRIES = 3;

type Events = {
  message: [message: Buffer];
  drain: [];
  end: [];
  close: [];
  error: [error: Error];
};

interface Resolved {
  maxPayload: number;
  window: number;
  maxMessage: number;
  maxRetries: number;
  reorderTolerance: number;
  highWaterMark: number;
  allowHalfOpen: boolean;
  lingerMs: number | undefined;
  initialSeq: number;
  closeTransport: boolean;
  idleTimeoutMs: number | undefined;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(value > 0) || !Number.isFinite(value)) throw new FramingOptionError(name, 'a positive number', value);
  return value;
}

function resolve(opts: ReliableUdpOptions): Resolved {
  const maxPayload = intOption('maxPayload', opts.maxPayload, 1200, 1, 65_507 - DATA_HEADER);
  const maxMessage = intOption('maxMessage', opts.maxMessage, DEFAULT_MAX_FRAME, 0, Number.MAX_SAFE_INTEGER);
  if (Math.ceil(maxMessage / maxPayload) > 65_536) {
    throw new FramingOptionError('maxMessage', `at most 65536 fragments of maxPayload (${maxPayload} bytes)`, maxMessage);
  }
  const tolerance = opts.reorderTolerance ?? 0.25;
  if (!(tolerance >= 0) || !Number.isFinite(tolerance)) throw new FramingOptionError('reorderTolerance', 'a number >= 0', tolerance);
  return {
    maxPayload,
    window: intOption('window', opts.window, 256, 1, 32_768),
    maxMessage,
    maxRetries: intOption('maxRetries', opts.maxRetries, 10, 0, 1000),
    reorderTolerance: tolerance,
    highWaterMark: intOption('highWaterMark', opts.highWaterMark, 1024 * 1024, 0, Number.MAX_SAFE_INTEGER),
    allowHalfOpen: opts.allowHalfOpen ?? false,
    lingerMs: opts.lingerMs === undefined ? undefined : intOption('lingerMs', opts.lingerMs, 0, 0, 2 ** 31 - 1),
    initialSeq: intOption('initialSeq', opts.initialSeq, 0, 0, 0xffff_ffff),
    closeTransport: opts.closeTransport ?? true,
    idleTimeoutMs: opts.idleTimeoutMs === undefined ? undefined : intOption('idleTimeoutMs', opts.idleTimeoutMs, 0, 1, 2 ** 31 - 1),
  };
}

/**
 * Messages over a datagram transport that arrive exactly once, in order and whole, or a clear error.
 *
 * Events: 'message' (Buffer), 'drain' (send() may be called again), 'end' (the peer closed its side,
 * after its last message), 'error' (RudpGiveUpError, RudpProtocolError), 'close' (everything released).
 * There is no handshake: the first data packet opens the connection; close() runs a FIN exchange.
 */
export class ReliableUdp extends EventEmitter<Events> {
  readonly stats: RudpStats = {
    datagramsSent: 0,
    datagramsReceived: 0,
    bytesSent: 0,
    bytesReceived: 0,
    messagesSent: 0,
    messagesReceived: 0,
    payloadBytesSent: 0,
    payloadBytesReceived: 0,
    segmentsSent: 0,
    retransmissions: 0,
    retransmittedBytes: 0,
    acksSent: 0,
    probesSent: 0,
    duplicatesReceived: 0,
    corruptReceived: 0,
    outsideWindow: 0,
  };
  /** Why the connection was destroyed, if by an error. */
  error: Error | undefined;

  private readonly transport: DatagramTransport;
  private readonly clock: Clock;
  private readonly opts: Resolved;
  private readonly rto: RtoEstimator;
  private readonly sender: SendWindow;
  private readonly receiver: ReceiveWindow;
  private timer: unknown;
  private timerAt = Number.POSITIVE_INFINITY;
  private ackTimer: unknown;
  private ackPending = false;
  /** The `ts` of the latest data packet received, until an outgoing packet echoes it. */
  private echoTs: number | undefined;
  private duplicatesAcked = 0;
  private paused = false;
  private needDrain = false;
  private closing = false;
  private finished = false;
  private destroyed = false;
  private endEmitted = false;
  private probeAt: number | undefined;
  private probes = 0;
  private lingerUntil: number | undefined;
  private lastHeard: number;
  private waiters: { resolve: () => void; reject: (err: Error) => void }[] = [];

  constructor(transport: DatagramTransport, opts: ReliableUdpOptions = {}) {
    super();
    this.opts = resolve(opts);
    this.transport = transport;
    this.clock = opts.clock ?? realClock;
    const minRto = positive('minRto', opts.minRto, 200);
    const maxRto = positive('maxRto', opts.maxRto, 60_000);
    if (minRto > maxRto) throw new FramingOptionError('minRto', `at most maxRto (${maxRto})`, minRto);
    this.rto = new RtoEstimator({ initialRto: positive('initialRto', opts.initialRto, 1000), minRto, maxRto });
    const { initialSeq, window, maxPayload, maxRetries, reorderTolerance } = this.opts;
    this.sender = new SendWindow({ initialSeq, window, maxPayload, maxRetries, reorderTolerance }, this.rto);
    this.receiver = new ReceiveWindow(initialSeq, window, this.opts.maxMessage);
    this.lastHeard = this.clock.now();
    transport.onMessage((datagram) => this.onDatagram(datagram));
    this.arm();
  }

  /** Payload bytes handed to send() and not yet acknowledged. */
  get bufferedAmount(): number {
    return this.sender.buffered;
  }

  /** The current RTT estimate (ms): smoothed, variation, minimum, and the RTO derived from them. */
  get rtt(): { srtt: number | undefined; rttvar: number; minRtt: number; rto: number } {
    return { srtt: this.rto.srtt, rttvar: this.rto.rttvar, minRtt: this.rto.minRtt, rto: this.rto.rto };
  }

  get isDestroyed(): boolean {
    return this.destroyed;
  }

  /**
   * Queue one message (fragmented if larger than maxPayload). Returns false once more than highWaterMark
   * bytes are unacknowledged; wait for 'drain'. The buffer is sent as is: do not modify it afterwards.
   */
  send(message: Uint8Array): boolean {
    if (this.destroyed || this.closing) throw new RudpClosedError(this.destroyed ? 'destroyed' : 'closing');
    if (message.length > this.opts.maxMessage) throw new FrameTooLargeError(message.length, this.opts.maxMessage, 'message');
    this.sender.enqueue(asBuffer(message));
    this.stats.messagesSent++;
    this.stats.payloadBytesSent += message.length;
    this.sendNew(this.clock.now());
    this.arm();
    const ok = this.sender.buffered <= this.opts.highWaterMark;
    if (!ok) this.needDrain = true;
    return ok;
  }

  /**
   * Close our side after everything queued is delivered, and wait for the peer to close its side. Resolves
   * when both FINs are acknowledged; rejects if the connection fails or is destroyed first.
   */
  close(): Promise<void> {
    if (this.destroyed) {
      return this.finished ? Promise.resolve() : Promise.reject(this.error ?? new RudpClosedError('destroyed'));
    }
    if (this.finished) return Promise.resolve();
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.beginClose();
    return done;
  }

  /** Stop at once: no FIN, timers cleared, transport closed. With an error, 'error' is emitted first. */
  destroy(error?: Error): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.error = error;
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    if (this.ackTimer !== undefined) this.clock.clearTimer(this.ackTimer);
    this.timer = undefined;
    this.ackTimer = undefined;
    if (this.opts.closeTransport) this.transport.close();
    const waiters = this.waiters.splice(0);
    const failure = error ?? new RudpClosedError('destroyed before the close handshake completed');
    for (const w of waiters) w.reject(failure);
    // A pending close() is a handler; with neither that nor a listener, an error must not pass silently.
    if (error && (this.listenerCount('error') > 0 || waiters.length === 0)) this.emit('error', error);
    this.emit('close');
  }

  /** Stop emitting 'message'; once the window fills, the peer stops sending (flow control). */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.deliver();
    this.scheduleAck();
  }

  /**
   * The incoming messages as an async iterable, pausing the connection while `highWaterMark` of them wait
   * unread. Ends after the peer's FIN; throws the connection's error. The FIN closes our side too unless
   * `allowHalfOpen` is set, so a consumer that answers messages after it has arrived needs that option.
   */
  async *messages(highWaterMark = 16): AsyncGenerator<Buffer, void, undefined> {
    const queue: Buffer[] = [];
    let ended = false;
    let failure: Error | undefined;
    let wake: (() => void) | undefined;
    const onMessage = (m: Buffer) => {
      queue.push(m);
      if (queue.length >= highWaterMark) this.pause();
      wake?.();
    };
    const onEnd = () => {
      ended = true;
      wake?.();
    };
    const onError = (err: Error) => {
      failure = err;
      wake?.();
    };
    this.on('message', onMessage);
    this.on('end', onEnd);
    this.on('close', onEnd);
    this.on('error', onError);
    if (this.endEmitted || this.destroyed) ended = true;
    try {
      for (;;) {
        const next = queue.shift();
        if (next !== undefined) {
          if (queue.length <= highWaterMark / 2) this.resume();
          yield next;
          continue;
        }
        if (failure) throw failure;
        if (ended) return;
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
      }
    } finally {
      this.off('message', onMessage);
      this.off('end', onEnd);
      this.off('close', onEnd);
      this.off('error', onError);
    }
  }

  private onDatagram(datagram: Buffer): void {
    if (this.destroyed) return;
    this.stats.datagramsReceived++;
    this.stats.bytesReceived += datagram.length;
    const packet = decodePacket(datagram);
    if (packet === undefined) {
      this.stats.corruptReceived++;
      return;
    }
    const now = this.clock.now();
    this.lastHeard = now;
    this.probes = 0;
    if (packet.tsEcho !== undefined) this.rto.sample(elapsedSince(packet.tsEcho, now));
    const una = unwrapSeq(packet.una, this.sender.una);
    this.sender.ack(una, packet.wnd, now);
    // A peer that has closed and still talks to us without acknowledging our FIN, a round trip
    // after we sent it, is waiting for it: it probes (see awaitingPeerFin) or resends its own FIN.
    if (this.endEmitted) this.sender.finUnseenByPeer(now, this.rto.srtt ?? 0);
    if (packet.kind === KIND_ACK) {
      this.sender.sack(una, packet.sack, now);
      this.sender.duplicatesReported(packet.dups, now);
    } else if (packet.kind === KIND_PROBE) {
      this.ackPending = true;
    } else {
      this.ackPending = true;
      this.echoTs = packet.ts;
      const seq = unwrapSeq(packet.seq, this.receiver.next);
      let result;
      try {
        result = this.receiver.accept(seq, packet.frg, packet.payload, packet.kind === KIND_FIN);
      } catch (err) {
        this.destroy(err as Error);
        return;
      }
      if (result === 'duplicate') this.stats.duplicatesReceived++;
      else if (result === 'outside') this.stats.outsideWindow++;
    }
    this.deliver();
    if (this.destroyed) return;
    this.retransmitDue(now);
    if (this.destroyed) return;
    this.sendNew(now);
    this.checkFinished(now);
    this.scheduleAck();
    this.arm();
    if (this.needDrain && this.sender.buffered <= this.opts.highWaterMark) {
      this.needDrain = false;
      this.emit('drain');
    }
  }

  private onTimer(): void {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    if (this.destroyed) return;
    const now = this.clock.now();
    if (this.lingerUntil !== undefined && now >= this.lingerUntil) {
      this.destroy();
      return;
    }
    if (this.idleAt() <= now) {
      this.destroy(new RudpGiveUpError(`nothing heard from the peer for ${this.opts.idleTimeoutMs} ms`));
      return;
    }
    this.retransmitDue(now);
    if (this.destroyed) return;
    if (this.probeAt !== undefined && now >= this.probeAt && (this.sender.blocked || this.awaitingPeerFin)) {
      this.probes++;
      if (this.probes > this.opts.maxRetries) {
        const why = this.sender.blocked ? "peer's window stayed shut" : "the peer's FIN never came";
        this.destroy(new RudpGiveUpError(`${why} and ${this.opts.maxRetries} probes went unanswered`));
        return;
      }
      this.output(encodeProbe(this.ackState()));
      this.stats.probesSent++;
      // A shut window may stay shut a long while: back off. A FIN wait asks every RTO, so the peer
      // hears us several times before it stops retrying its FIN (LAST_ACK_RETRIES backed-off RTOs).
      this.probeAt = now + (this.sender.blocked ? this.rto.backedOff(this.probes) : this.rto.rto);
    }
    this.sendNew(now);
    this.arm();
  }

  private deliver(): void {
    const wasShut = this.receiver.advertised === 0;
    while (!this.paused && !this.destroyed) {
      const message = this.receiver.shift();
      if (message === undefined) break;
      this.stats.messagesReceived++;
      this.stats.payloadBytesReceived += message.length;
      this.emit('message', message);
    }
    if (this.destroyed) return;
    // A window that reopens must be announced, or a sender waiting on it only learns by probing.
    if (wasShut && this.receiver.advertised > 0) this.ackPending = true;
    if (!this.endEmitted && this.receiver.finReceived && this.receiver.readyCount === 0 && !this.paused) {
      this.endEmitted = true;
      this.sender.peerFinished(LAST_ACK_RETRIES);
      this.emit('end');
      if (!this.opts.allowHalfOpen && !this.destroyed) this.beginClose();
      if (!this.destroyed) this.checkFinished(this.clock.now());
    }
  }

  private beginClose(): void {
    if (this.closing || this.destroyed) return;
    this.closing = true;
    this.sender.queueFin();
    this.sendNew(this.clock.now());
    this.arm();
  }

  private checkFinished(now: number): void {
    if (this.finished || !this.endEmitted || !this.sender.finAcked) return;
    this.finished = true;
    for (const w of this.waiters.splice(0)) w.resolve();
    this.lingerUntil = now + (this.opts.lingerMs ?? Math.min(3 * this.rto.rto, this.rto.maxRto));
    this.arm();
  }

  private retransmitDue(now: number): void {
    const due = this.sender.due(now);
    if (due.gaveUp) {
      const seg = due.gaveUp;
      if (seg.fin && this.endEmitted && this.sender.inFlight === 1) {
        // Everything was delivered both ways; only the acknowledgement of our FIN is missing.
        this.finished = true;
        for (const w of this.waiters.splice(0)) w.resolve();
        this.destroy();
        return;
      }
      this.destroy(
        new RudpGiveUpError(`segment ${seg.seq} unacknowledged after ${seg.transmissions} transmissions (${seg.timeouts - 1} timeouts)`),
      );
      return;
    }
    for (const seg of due.lost) {
      this.stats.retransmissions++;
      this.stats.retransmittedBytes += seg.payload.length;
      this.transmit(seg, now);
    }
  }

  private sendNew(now: number): void {
    for (let seg = this.sender.nextNew(); seg !== undefined; seg = this.sender.nextNew()) {
      this.stats.segmentsSent++;
      this.transmit(seg, now);
    }
  }

  private transmit(seg: OutSegment, now: number): void {
    this.sender.sent(seg, now);
    this.output(encodeData(seg.fin ? KIND_FIN : KIND_DATA, this.ackState(), seg.seq, seg.frg, wireTime(now), seg.payload));
  }

  /** What our receive side says in every packet; the data packet that carries it may replace a pure ACK. */
  private ackState(): AckState {
    const state = { una: this.receiver.next, wnd: this.receiver.advertised, tsEcho: this.echoTs };
    this.echoTs = undefined;
    if (!this.receiver.hasGaps && this.receiver.duplicates === this.duplicatesAcked) this.ackPending = false;
    return state;
  }

  private scheduleAck(): void {
    if (!this.ackPending || this.ackTimer !== undefined || this.destroyed) return;
    // Deferred to the end of this turn so a burst of arrivals is answered by one ACK.
    this.ackTimer = this.clock.setTimer(0, () => {
      this.ackTimer = undefined;
      if (!this.ackPending || this.destroyed) return;
      // The bitmap may cover the whole window, but an ACK is never larger than a full data packet.
      const sack = this.receiver.sackBitmap(Math.min(Math.ceil(this.opts.window / 8), this.opts.maxPayload));
      this.duplicatesAcked = this.receiver.duplicates;
      this.output(encodeAck(this.ackState(), this.receiver.duplicates, sack));
      this.ackPending = false;
      this.stats.acksSent++;
    });
  }

  private output(datagram: Buffer): void {
    this.stats.datagramsSent++;
    this.stats.bytesSent += datagram.length;
    this.transport.send(datagram);
  }

  private idleAt(): number {
    return this.opts.idleTimeoutMs === undefined ? Infinity : this.lastHeard + this.opts.idleTimeoutMs;
  }

  /**
   * Our FIN is acknowledged and the peer's has not come. The peer answers a FIN with its own at
   * once (unless half-open is allowed), so it is either still delivering to its reader or all its
   * FINs were lost and it gave up waiting for our acknowledgement; without a probe that second
   * case waits forever. A probe tells it to send its FIN again.
   */
  private get awaitingPeerFin(): boolean {
    return this.closing && !this.opts.allowHalfOpen && this.sender.finAcked && !this.receiver.finReceived;
  }

  /** Keep one timer, for the earliest of: a segment's loss or RTO deadline, a probe, the linger end, idleness. */
  private arm(): void {
    if (this.destroyed) return;
    if (this.sender.blocked) this.probeAt ??= this.clock.now() + this.rto.backedOff(this.probes);
    else if (this.awaitingPeerFin) this.probeAt ??= this.clock.now() + this.rto.rto;
    else this.probeAt = undefined;
    const at = Math.min(
      this.sender.nextDeadline() ?? Infinity,
      this.probeAt ?? Infinity,
      this.lingerUntil ?? Infinity,
      this.idleAt(),
    );
    if (at === Infinity) return;
    if (this.timer !== undefined) {
      if (this.timerAt <= at) return; // fires first and re-arms
      this.clock.clearTimer(this.timer);
    }
    this.timerAt = at;
    this.timer = this.clock.setTimer(at - this.clock.now(), () => this.onTimer());
  }
}
