// A synthetic TCP connection for a capture: handshake, data, ACKs and FIN/RST with consistent seq/ack numbers.
//
// The proxy sees bytes, not segments, so the capture invents the TCP layer around them: each
// chunk becomes one or more PSH/ACK segments (at most MAX_TCP_PAYLOAD each) that the other
// side acknowledges at once, so Wireshark finds nothing missing, nothing in flight beyond the
// window, and "Follow TCP Stream" rebuilds exactly the bytes that crossed the leg.
import {
  MAX_TCP_PAYLOAD,
  TCP_ACK,
  TCP_FIN,
  TCP_HEADER,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
  mssOption,
  tcpPacket,
  type Endpoint,
} from './packets.ts';

/** `a` opened the connection (the client, or the proxy on its server leg); `b` accepted it. */
export type Side = 'a' | 'b';

/** Receives each built packet: its bytes, how many of them are headers, and comments for it. */
export type PacketSink = (packet: Buffer, headerBytes: number, comments: readonly string[]) => void;

const IP_AND_TCP = 20 + TCP_HEADER;
const other = (s: Side): Side => (s === 'a' ? 'b' : 'a');

export class TcpFlow {
  /** Next sequence number each side sends. */
  private readonly next: Record<Side, number>;
  private readonly finished: Record<Side, boolean> = { a: false, b: false };
  private readonly ipId: Record<Side, number> = { a: 1, b: 1 };
  private open = false;
  private reset_ = false;

  constructor(
    private readonly ends: Record<Side, Endpoint>,
    private readonly isn: Record<Side, number>,
    private readonly sink: PacketSink,
  ) {
    this.next = { a: isn.a >>> 0, b: isn.b >>> 0 };
  }

  /** Both directions are finished (FIN each way) or the flow was reset. */
  get closed(): boolean {
    return this.reset_ || (this.finished.a && this.finished.b);
  }

  hasFinished(side: Side): boolean {
    return this.finished[side] || this.reset_;
  }

  private send(from: Side, flags: number, payload: Buffer | undefined, comments: readonly string[], options?: Buffer): void {
    const to = other(from);
    const packet = tcpPacket({
      src: this.ends[from],
      dst: this.ends[to],
      seq: this.next[from],
      ack: flags & TCP_ACK ? this.next[to] : 0,
      flags,
      id: this.ipId[from]++,
      ...(options ? { options } : {}),
      ...(payload ? { payload } : {}),
    });
    this.sink(packet, IP_AND_TCP + (options?.length ?? 0), comments);
  }

  /** SYN, SYN/ACK, ACK: the three packets Wireshark needs to call the stream complete. */
  handshake(comments: readonly string[] = []): void {
    if (this.open) return;
    this.open = true;
    this.send('a', TCP_SYN, undefined, comments, mssOption(MAX_TCP_PAYLOAD));
    this.next.a = (this.next.a + 1) >>> 0;
    this.send('b', TCP_SYN | TCP_ACK, undefined, [], mssOption(MAX_TCP_PAYLOAD));
    this.next.b = (this.next.b + 1) >>> 0;
    this.send('a', TCP_ACK, undefined, []);
  }

  /** Bytes from one side, acknowledged by the other. Comments go on the first segment. */
  data(from: Side, payload: Buffer, comments: readonly string[] = []): void {
    if (this.hasFinished(from) || payload.length === 0) return;
    this.handshake();
    let first = true;
    for (let pos = 0; pos < payload.length; pos += MAX_TCP_PAYLOAD) {
      const piece = payload.subarray(pos, pos + MAX_TCP_PAYLOAD);
      this.send(from, TCP_PSH | TCP_ACK, piece, first ? comments : []);
      first = false;
      this.next[from] = (this.next[from] + piece.length) >>> 0;
      this.send(other(from), TCP_ACK, undefined, []);
    }
  }

  /** One side closes its direction (FIN); the other acknowledges it. */
  fin(from: Side, comments: readonly string[] = []): void {
    if (this.hasFinished(from)) return;
    this.handshake();
    this.send(from, TCP_FIN | TCP_ACK, undefined, comments);
    this.next[from] = (this.next[from] + 1) >>> 0;
    this.finished[from] = true;
    this.send(other(from), TCP_ACK, undefined, []);
  }

  /** One side resets the connection: nothing follows in either direction. */
  reset(from: Side, comments: readonly string[] = []): void {
    if (this.reset_) return;
    this.handshake();
    this.send(from, TCP_RST | TCP_ACK, undefined, comments);
    this.reset_ = true;
  }
}
