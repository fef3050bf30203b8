// The sending half of selective repeat: segmentation, the bounded window, SACK bookkeeping, loss detection.
import type { RtoEstimator } from './rto.ts';

export interface OutSegment {
  seq: number;
  /** Fragments of the same message after this one. */
  frg: number;
  payload: Buffer;
  fin: boolean;
  /** Clock time of the latest transmission. */
  lastSent: number;
  /** Position of the latest transmission among all transmissions (orders sends made at the same instant). */
  order: number;
  transmissions: number;
  /** Retransmission timeouts this segment has suffered (each doubles its next timeout). */
  timeouts: number;
  /** When its retransmission timeout expires. */
  rtoAt: number;
  /** When it will count as lost if nothing else is heard (Infinity until a later send is delivered). */
  lossAt: number;
  sacked: boolean;
}

export interface SendWindowOptions {
  initialSeq: number;
  window: number;
  maxPayload: number;
  maxRetries: number;
  /** Reordering tolerated before a hole counts as a loss, as a fraction of the minimum RTT. */
  reorderTolerance: number;
}

export type DueResult = { lost: OutSegment[]; gaveUp?: undefined } | { lost?: undefined; gaveUp: OutSegment };

/**
 * Loss detection is time-based, as in RACK (RFC 8985): a segment is lost once a segment sent after it has
 * been delivered and it has itself been out for longer than that one's RTT plus a reordering window. Unlike
 * counting duplicate acks, that survives reordering; unlike waiting for the RTO, it reacts within an RTT.
 * The reordering window widens whenever the peer reports duplicates (our retransmission was premature).
 */
export class SendWindow {
  /** Oldest sequence number not yet acknowledged. */
  una: number;
  /** Next sequence number to assign. */
  nxt: number;
  /** Payload bytes queued or in flight: what `send()` backpressure counts. */
  buffered = 0;
  /** Sequence number of our FIN once it is assigned. */
  finSeq: number | undefined;
  private finQueued = false;
  /** Timeouts our FIN may suffer; lowered once the peer's FIN has arrived (see `peerFinished`). */
  private finRetries: number;
  private readonly opts: SendWindowOptions;
  private readonly rto: RtoEstimator;
  private readonly inflight = new Map<number, OutSegment>();
  private readonly queue: (Buffer | undefined)[] = [];
  private queueHead = 0;
  /** Bytes of the head message already cut into segments. */
  private headOffset = 0;
  /** First sequence number beyond what the peer's window allows. */
  private limit: number;
  private sends = 0;
  /** The most recently sent segment known delivered: its send order and its RTT. */
  private rackOrder = -1;
  private rackRtt = 0;
  /** Milliseconds added to the reordering window since the peer last reported duplicates. */
  private reorderWiden = 0;
  private lastWidenAt = Number.NEGATIVE_INFINITY;
  private peerDuplicates: number | undefined;
  private recoveriesSinceWiden = 0;

  constructor(opts: SendWindowOptions, rto: RtoEstimator) {
    this.opts = opts;
    this.rto = rto;
    this.una = opts.initialSeq;
    this.nxt = opts.initialSeq;
    this.limit = opts.initialSeq + opts.window;
    this.finRetries = opts.maxRetries;
  }

  get inFlight(): number {
    return this.inflight.size;
  }

  get hasQueued(): boolean {
    return this.queueHead < this.queue.length || (this.finQueued && this.finSeq === undefined);
  }

  get finAcked(): boolean {
    return this.finSeq !== undefined && this.una > this.finSeq;
  }

  /** The peer's window is shut with something to send: only a probe will learn when it reopens. */
  get blocked(): boolean {
    return (this.hasQueued || this.inflight.size > 0) && this.limit <= this.una;
  }

  enqueue(message: Buffer): void {
    this.queue.push(message);
    this.buffered += message.length;
  }

  queueFin(): void {
    this.finQueued = true;
  }

  /**
   * The peer has closed its side. If then only our FIN goes unacknowledged, the peer most likely got it and
   * left (its final acks lost), so waiting out the full retry limit would only delay a finished close.
   */
  peerFinished(retries: number): void {
    this.finRetries = Math.min(this.finRetries, retries);
  }

  /**
   * The peer, after its FIN, still sends us packets that do not acknowledge ours: it has not got
   * it (every copy lost), so the guess behind `peerFinished` was wrong while it talks. Count our
   * FIN's timeouts afresh, and send it again now unless we did less than `minAge` ago (the packet
   * may have crossed it).
   */
  finUnseenByPeer(now: number, minAge: number): void {
    if (this.finSeq === undefined || this.una > this.finSeq) return;
    const seg = this.inflight.get(this.finSeq);
    if (seg === undefined || seg.sacked) return;
    seg.timeouts = 0;
    if (now - seg.lastSent >= minAge) seg.rtoAt = now;
  }

  /** Cut the next segment from the queue if both windows allow one. */
  nextNew(): OutSegment | undefined {
    if (this.nxt >= this.una + this.opts.window || this.nxt >= this.limit) return undefined;
    const message = this.queue[this.queueHead];
    let segment: OutSegment;
    if (message !== undefined) {
      const size = this.opts.maxPayload;
      const end = Math.min(message.length, this.headOffset + size);
      const payload = message.subarray(this.headOffset, end);
      segment = this.segment(Math.ceil((message.length - end) / size), payload, false);
      this.headOffset = end;
      if (end === message.length) {
        this.queue[this.queueHead] = undefined; // release the message once it is cut
        this.queueHead++;
        this.headOffset = 0;
        if (this.queueHead === this.queue.length) {
          this.queue.length = 0;
          this.queueHead = 0;
        }
      }
    } else if (this.finQueued && this.finSeq === undefined) {
      segment = this.segment(0, Buffer.alloc(0), true);
      this.finSeq = segment.seq;
    } else {
      return undefined;
    }
    this.inflight.set(segment.seq, segment);
    return segment;
  }

  /** Record a transmission of `seg` at `now`. */
  sent(seg: OutSegment, now: number): void {
    seg.lastSent = now;
    seg.order = this.sends++;
    seg.transmissions++;
    seg.rtoAt = now + this.rto.backedOff(seg.timeouts);
    seg.lossAt = Number.POSITIVE_INFINITY;
  }

  /** Apply the cumulative ack `una` (already unwrapped) and the window `wnd` the peer advertised from it. */
  ack(una: number, wnd: number, now: number): void {
    if (una > this.nxt || una < this.una) {
      // An older ack overtaken by a newer one still tells the window, but nothing else.
      return;
    }
    for (let seq = this.una; seq < una; seq++) {
      const seg = this.inflight.get(seq);
      if (seg === undefined) continue;
      this.inflight.delete(seq);
      this.buffered -= seg.payload.length;
      if (!seg.sacked) this.delivered(seg, now);
    }
    this.una = una;
    this.limit = una + wnd;
  }

  /** Mark the segments the SACK bitmap names (bit i: `una + 1 + i`) as received. */
  sack(una: number, bitmap: Uint8Array, now: number): void {
    for (let byte = 0; byte < bitmap.length; byte++) {
      const bits = bitmap[byte] as number;
      if (bits === 0) continue;
      for (let bit = 0; bit < 8; bit++) {
        if ((bits & (1 << bit)) === 0) continue;
        const seg = this.inflight.get(una + 1 + byte * 8 + bit);
        if (seg === undefined || seg.sacked) continue;
        seg.sacked = true;
        this.delivered(seg, now);
      }
    }
  }

  /** The peer's running count of duplicate data packets: a rise means we retransmitted too early. */
  duplicatesReported(count: number, now: number): void {
    const srtt = this.rto.srtt ?? 0;
    // At most one step per round trip: one burst of premature retransmissions is one signal, not many.
    if (this.peerDuplicates !== undefined && count !== this.peerDuplicates && now - this.lastWidenAt >= srtt) {
      this.reorderWiden = Math.min(this.reorderWiden + Math.max(this.baseReorderWindow(), srtt / 4), srtt);
      this.lastWidenAt = now;
      this.recoveriesSinceWiden = 0;
    }
    this.peerDuplicates = count;
  }

  /**
   * Segments to retransmit now: those presumed lost, and those whose RTO passed (which counts against the
   * retry limit). Later deadlines are moved up to when a segment will count as lost.
   */
  due(now: number): DueResult {
    const lost: OutSegment[] = [];
    const window = this.reorderWindow();
    for (const seg of this.inflight.values()) {
      // Beyond the peer's window a segment would only be discarded: it waits, without a timeout counted
      // against it, for the window to reopen (a paused receiver is not a dead one).
      if (seg.sacked || seg.seq >= this.limit) continue;
      if (seg.order < this.rackOrder) {
        seg.lossAt = seg.lastSent + this.rackRtt + window;
        if (now >= seg.lossAt) {
          lost.push(seg);
          continue;
        }
      }
      if (seg.rtoAt <= now) {
        seg.timeouts++;
        if (seg.timeouts > (seg.fin ? this.finRetries : this.opts.maxRetries)) return { gaveUp: seg };
        lost.push(seg);
      }
    }
    if (lost.length > 0 && ++this.recoveriesSinceWiden >= 16) this.reorderWiden = 0;
    return { lost };
  }

  /** The earliest deadline of a segment in flight, if any. */
  nextDeadline(): number | undefined {
    let earliest: number | undefined;
    for (const seg of this.inflight.values()) {
      if (seg.sacked || seg.seq >= this.limit) continue;
      const at = Math.min(seg.rtoAt, seg.lossAt);
      if (earliest === undefined || at < earliest) earliest = at;
    }
    return earliest;
  }

  private delivered(seg: OutSegment, now: number): void {
    if (seg.order <= this.rackOrder) return;
    const rtt = now - seg.lastSent;
    // An ack that came sooner than any RTT seen was for an earlier copy: it says nothing about this send.
    if (seg.transmissions > 1 && rtt < this.rto.minRtt) return;
    this.rackOrder = seg.order;
    this.rackRtt = rtt;
  }

  private baseReorderWindow(): number {
    return Number.isFinite(this.rto.minRtt) ? this.opts.reorderTolerance * this.rto.minRtt : 0;
  }

  /** As RFC 8985 6.2: a fraction of the min RTT, widened after spurious retransmissions, never above SRTT. */
  private reorderWindow(): number {
    const window = this.baseReorderWindow() + this.reorderWiden;
    // +1 ms: timestamps are whole milliseconds, so a zero window would race the clock's own rounding.
    return Math.min(window, this.rto.srtt ?? window) + 1;
  }

  private segment(frg: number, payload: Buffer, fin: boolean): OutSegment {
    return { seq: this.nxt++, frg, payload, fin, lastSent: 0, order: -1, transmissions: 0, timeouts: 0, rtoAt: 0, lossAt: Number.POSITIVE_INFINITY, sacked: false };
  }
}
