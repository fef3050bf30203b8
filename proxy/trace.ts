// Bounded record of what crossed one link: kept for reports and tests, never grows past its limit.

export type TraceKind =
  | 'in' // bytes read from the source, at input offset
  | 'out' // a chunk written to the sink, at output offset
  | 'drop' // bytes removed from the stream on purpose
  | 'corrupt' // a byte whose bits were flipped
  | 'duplicate' // a datagram sent again (UDP)
  | 'reorder' // a datagram held back behind later ones (UDP)
  | 'truncate' // a datagram cut short (UDP)
  | 'end'; // the direction ended: fin, half-close, close or reset

export interface TraceEvent {
  /** Milliseconds since the link started. */
  t: number;
  kind: TraceKind;
  /** Byte offset (TCP) or datagram index (UDP) in the stream the event refers to. */
  offset: number;
  size: number;
  /** Free-form detail: the fault that acted, or how the direction ended. */
  note?: string;
}

/** Totals are kept for every event even after the event list hits its limit. */
export interface TraceTotals {
  bytesIn: number;
  bytesOut: number;
  chunksIn: number;
  chunksOut: number;
  bytesDropped: number;
  corrupted: number;
  duplicated: number;
  reordered: number;
  truncated: number;
}

export const DEFAULT_TRACE_LIMIT = 10_000;

export class Trace {
  readonly events: TraceEvent[] = [];
  readonly totals: TraceTotals = {
    bytesIn: 0,
    bytesOut: 0,
    chunksIn: 0,
    chunksOut: 0,
    bytesDropped: 0,
    corrupted: 0,
    duplicated: 0,
    reordered: 0,
    truncated: 0,
  };
  /** Events not kept because the limit was reached. */
  omitted = 0;
  private readonly start = performance.now();

  constructor(readonly limit: number = DEFAULT_TRACE_LIMIT) {}

  record(kind: TraceKind, offset: number, size: number, note?: string): void {
    const t = this.totals;
    switch (kind) {
      case 'in':
        t.bytesIn += size;
        t.chunksIn++;
        break;
      case 'out':
        t.bytesOut += size;
        t.chunksOut++;
        break;
      case 'drop':
        t.bytesDropped += size;
        break;
      case 'corrupt':
        t.corrupted++;
        break;
      case 'duplicate':
        t.duplicated++;
        break;
      case 'reorder':
        t.reordered++;
        break;
      case 'truncate':
        t.truncated++;
        break;
      case 'end':
        break;
    }
    if (this.events.length >= this.limit) {
      this.omitted++;
      return;
    }
    const event: TraceEvent = { t: Math.round((performance.now() - this.start) * 1000) / 1000, kind, offset, size };
    if (note !== undefined) event.note = note;
    this.events.push(event);
  }

  /** Sizes of the chunks written out, in order: what the receiving peer was offered. */
  outSizes(): number[] {
    return this.events.filter((e) => e.kind === 'out').map((e) => e.size);
  }
}
