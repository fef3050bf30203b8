// The metrics every pair reports (DESIGN §5), and the classifier that spots glued and split reads.

export interface PairMetrics {
  sent: number;
  received: number;
  intact: number;
  corrupted: number;
  lost: number;
  duplicated: number;
  out_of_order: number;
  /** Reads that held bytes of more than one message. */
  sticky_reads: number;
  /** Reads that held only part of one message. */
  partial_reads: number;
  bytes: number;
  duration_ms: number;
}

export function emptyMetrics(): PairMetrics {
  return {
    sent: 0,
    received: 0,
    intact: 0,
    corrupted: 0,
    lost: 0,
    duplicated: 0,
    out_of_order: 0,
    sticky_reads: 0,
    partial_reads: 0,
    bytes: 0,
    duration_ms: 0,
  };
}

/** Count one reply the client got: intact when it is exactly what was expected. */
export function countReply(m: PairMetrics, bytes: number, intact: boolean): void {
  m.received++;
  m.bytes += bytes;
  if (intact) m.intact++;
  else m.corrupted++;
}

/**
 * Classifies each read of a byte stream against where its messages really begin and end.
 * Message lengths are announced as they are sent; reads arrive in order.
 */
export class ReadClassifier {
  private readonly ends: number[] = [];
  private msg = 0; // index of the message holding the next unread byte
  private pos = 0; // stream offset of the next unread byte

  constructor(private readonly metrics: PairMetrics) {}

  /** The peer will send a message of `length` bytes next. */
  expect(length: number): void {
    const start = this.ends.length === 0 ? 0 : this.ends[this.ends.length - 1]!;
    this.ends.push(start + length);
  }

  read(length: number): void {
    if (length === 0) return;
    const start = this.pos;
    const end = start + length;
    this.pos = end;
    // Skip messages the read starts beyond (and empty ones).
    while (this.msg < this.ends.length && this.ends[this.msg]! <= start) this.msg++;
    if (this.msg >= this.ends.length) return; // bytes nobody announced: not a message at all
    const msgStart = this.msg === 0 ? 0 : this.ends[this.msg - 1]!;
    const msgEnd = this.ends[this.msg]!;
    if (end > msgEnd) this.metrics.sticky_reads++;
    else if (start > msgStart || end < msgEnd) this.metrics.partial_reads++;
  }
}
