// The receiving half of selective repeat: duplicate suppression, the reorder buffer, reassembly, SACK bitmap.
import { RudpProtocolError } from '../errors.ts';

interface Held {
  frg: number;
  payload: Buffer;
  fin: boolean;
}

export type AcceptResult = 'new' | 'duplicate' | 'outside';

/**
 * Segments are accepted from `next` up to the advertised window, held until the gap before them fills, then
 * released in order into whole messages. Complete messages wait in `ready` until the connection hands them
 * on (it stops while paused), and while they wait they shrink the window the peer may fill.
 */
export class ReceiveWindow {
  /** The next sequence number expected: everything before it has been received. */
  next: number;
  /** Duplicate data packets seen (retransmissions that were not needed, or network duplicates). */
  duplicates = 0;
  /** True once the peer's FIN has been released in order (after all its data). */
  finReceived = false;
  private readonly window: number;
  private readonly maxMessage: number;
  private readonly held = new Map<number, Held>();
  private parts: Buffer[] = [];
  private partsBytes = 0;
  /** Fragments still expected for the message being reassembled, or -1 between messages. */
  private expectFrg = -1;
  private readonly ready: ({ message: Buffer; segments: number } | undefined)[] = [];
  private readyHead = 0;
  private readySegments = 0;

  constructor(initialSeq: number, window: number, maxMessage: number) {
    this.next = initialSeq;
    this.window = window;
    this.maxMessage = maxMessage;
  }

  /** Segments the peer may send from `next` on. */
  get advertised(): number {
    return Math.max(0, this.window - this.readySegments);
  }

  get hasGaps(): boolean {
    return this.held.size > 0;
  }

  get readyCount(): number {
    return this.ready.length - this.readyHead;
  }

  accept(seq: number, frg: number, payload: Buffer, fin: boolean): AcceptResult {
    if (seq < this.next || this.held.has(seq) || this.finReceived) {
      this.duplicates++;
      return 'duplicate';
    }
    if (seq >= this.next + this.advertised) return 'outside';
    this.held.set(seq, { frg, payload, fin });
    for (let seg = this.held.get(this.next); seg !== undefined && !this.finReceived; seg = this.held.get(this.next)) {
      this.held.delete(this.next);
      this.next++;
      this.release(seg);
    }
    return 'new';
  }

  /** The next complete message, oldest first. */
  shift(): Buffer | undefined {
    const entry = this.ready[this.readyHead];
    if (entry === undefined) return undefined;
    this.ready[this.readyHead] = undefined;
    this.readyHead++;
    if (this.readyHead === this.ready.length) {
      this.ready.length = 0;
      this.readyHead = 0;
    }
    this.readySegments -= entry.segments;
    return entry.message;
  }

  /** The held segments as a bitmap: bit i set when `next + 1 + i` is held; at most `maxBytes` long. */
  sackBitmap(maxBytes: number): Buffer {
    let span = 0;
    for (const seq of this.held.keys()) span = Math.max(span, seq - this.next);
    const bitmap = Buffer.alloc(Math.min(maxBytes, Math.ceil(span / 8)));
    for (const seq of this.held.keys()) {
      const bit = seq - this.next - 1;
      if (bit < bitmap.length * 8) bitmap[bit >> 3] = (bitmap[bit >> 3] as number) | (1 << (bit & 7));
    }
    return bitmap;
  }

  private release(seg: Held): void {
    if (seg.fin) {
      if (this.expectFrg >= 0) throw new RudpProtocolError('FIN inside a fragmented message');
      this.finReceived = true;
      this.held.clear();
      return;
    }
    if (this.expectFrg >= 0 && seg.frg !== this.expectFrg - 1) {
      throw new RudpProtocolError(`fragment count ${seg.frg} after ${this.expectFrg}`);
    }
    this.partsBytes += seg.payload.length;
    if (this.partsBytes > this.maxMessage) {
      throw new RudpProtocolError(`message larger than maxMessage (${this.maxMessage} bytes)`);
    }
    this.parts.push(seg.payload);
    this.expectFrg = seg.frg;
    if (seg.frg > 0) return;
    const segments = this.parts.length;
    const message = segments === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts, this.partsBytes);
    this.ready.push({ message, segments });
    this.readySegments += segments;
    this.parts = [];
    this.partsBytes = 0;
    this.expectFrg = -1;
  }
}
