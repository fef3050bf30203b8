// Packet capture of what crosses the proxy: both legs of every connection or session, as pcapng.
//
// Leg 0 (interface "client-leg") is client ↔ proxy, leg 1 ("server-leg") is proxy ↔ server.
// A link reports the bytes it reads from its source (`in`) and writes to its sink (`out`):
//
//   upstream   in: client → proxy  (leg 0)    out: proxy → server  (leg 1)
//   downstream in: server → proxy  (leg 1)    out: proxy → client  (leg 0)
//
// Fault events the link's trace records (drop, corrupt, ...) become comments on the next
// packet that direction sends out, so Wireshark shows what the proxy did where it did it.
// Payload bytes are kept up to a budget; past it packets keep their headers only (snapped),
// so a capture never grows without bound.
import { Trace, type TraceKind } from './trace.ts';
import type { Address } from './address.ts';
import type { Direction } from './rng.ts';
import { LINKTYPE_RAW, enhancedPacket, interfaceDescription, sectionHeader } from './capture/pcapng.ts';
import { ipv4Octets, udpPacket, type Endpoint } from './capture/packets.ts';
import { TcpFlow, type PacketSink } from './capture/tcp-flow.ts';

/** What a link tells a capture. Optional on a link: without one, nothing is captured. */
export interface LinkTap {
  /** The link's trace; it also reports fault events to the capture as they happen. */
  trace(limit?: number): Trace;
  /** Bytes (a chunk, or one datagram) read from the link's source. */
  in(data: Buffer): void;
  /** Bytes (a chunk, or one datagram) written to the link's sink. */
  out(data: Buffer): void;
}

/** The address fields of a connected socket (node:net Socket has them). */
export interface SocketAddresses {
  localAddress?: string | undefined;
  localPort?: number | undefined;
  remoteAddress?: string | undefined;
  remotePort?: number | undefined;
}

export interface CaptureOptions {
  /** Receives the pcapng bytes in order, block by block (e.g. a file stream's write). */
  write(block: Buffer): void;
  /** Payload bytes kept in full; later packets are snapped to their headers. Default 64 MiB. */
  maxPayloadBytes?: number;
  /** The section comment: what was captured (scenario, seed). */
  comment?: string;
  /** Microseconds since the epoch; tests pass a fake clock. */
  clockUs?: () => number;
}

export const DEFAULT_CAPTURE_PAYLOAD_BYTES = 64 * 1024 * 1024;
/** Comments kept per packet; more are counted in one last comment. */
const MAX_COMMENTS_PER_PACKET = 16;

const LEG_CLIENT = 0;
const LEG_SERVER = 1;

/** A trace that also hands each fault event to the capture the moment it is recorded. */
class TappedTrace extends Trace {
  constructor(
    limit: number | undefined,
    private readonly onEvent: (kind: TraceKind, offset: number, size: number, note?: string) => void,
  ) {
    super(limit);
  }

  override record(kind: TraceKind, offset: number, size: number, note?: string): void {
    super.record(kind, offset, size, note);
    if (kind !== 'in' && kind !== 'out') this.onEvent(kind, offset, size, note);
  }
}

function endpoint(host: string | undefined, port: number | undefined): Endpoint {
  return { ip: ipv4Octets(host), port: port ?? 0 };
}

function describe(dir: Direction, kind: TraceKind, offset: number, size: number, note?: string): string {
  const unit = size === 1 ? 'byte' : 'bytes';
  const what = kind === 'end' ? `${dir} ended (${note ?? 'end'})` : `${dir} ${kind}: ${size} ${unit} at ${offset}${note ? ` (${note})` : ''}`;
  return `wirefault: ${what}`;
}

/** Comments waiting for the next packet of one direction, bounded. */
class PendingComments {
  private items: string[] = [];
  private extra = 0;
  add(comment: string): void {
    if (this.items.length < MAX_COMMENTS_PER_PACKET) this.items.push(comment);
    else this.extra++;
  }
  take(): string[] {
    const out = this.items;
    if (this.extra > 0) out.push(`wirefault: and ${this.extra} more events`);
    this.items = [];
    this.extra = 0;
    return out;
  }
}

/** One TCP connection: a flow per leg, and the fault comments waiting for each direction. */
class TcpConnectionCapture {
  private readonly front: TcpFlow;
  private readonly back: TcpFlow;
  private readonly pending: Record<Direction, PendingComments> = { upstream: new PendingComments(), downstream: new PendingComments() };
  private wasReset = false;

  constructor(index: number, client: SocketAddresses, server: SocketAddresses, sink: (leg: number) => PacketSink) {
    // Deterministic initial sequence numbers: a rerun yields the same capture bar timestamps and ports.
    const isn = (leg: number, side: number): number => (0x10000000 * (1 + leg * 2 + side) + index * 0x9e37) >>> 0;
    this.front = new TcpFlow(
      { a: endpoint(client.remoteAddress, client.remotePort), b: endpoint(client.localAddress, client.localPort) },
      { a: isn(0, 0), b: isn(0, 1) },
      sink(LEG_CLIENT),
    );
    this.back = new TcpFlow(
      { a: endpoint(server.localAddress, server.localPort), b: endpoint(server.remoteAddress, server.remotePort) },
      { a: isn(1, 0), b: isn(1, 1) },
      sink(LEG_SERVER),
    );
    this.front.handshake([`wirefault: connection ${index}, client leg`]);
    this.back.handshake([`wirefault: connection ${index}, server leg`]);
  }

  tap(dir: Direction, limit: number | undefined): LinkTap {
    const up = dir === 'upstream';
    const event = (kind: TraceKind, offset: number, size: number, note?: string): void => {
      const comment = describe(dir, kind, offset, size, note);
      if (kind !== 'end') {
        this.pending[dir].add(comment);
        return;
      }
      // How this direction's sink ended: a FIN or RST from the proxy on the out leg.
      const comments = [...this.pending[dir].take(), comment];
      const flow = up ? this.back : this.front;
      const side = up ? 'a' : 'b';
      if (note === 'reset') {
        this.wasReset = true;
        flow.reset(side, comments);
      } else flow.fin(side, comments);
    };
    return {
      trace: (l) => new TappedTrace(l ?? limit, event),
      in: (data) => (up ? this.front.data('a', data) : this.back.data('b', data)),
      out: (data) => (up ? this.back.data('a', data, this.pending.upstream.take()) : this.front.data('b', data, this.pending.downstream.take())),
    };
  }

  /** The connection is gone: close every direction still open, with what is left to say. */
  finish(): void {
    const close = (flow: TcpFlow, side: 'a' | 'b', comments: string[] = []): void =>
      this.wasReset ? flow.reset(side, comments) : flow.fin(side, comments);
    close(this.front, 'a');
    close(this.back, 'a', this.pending.upstream.take());
    close(this.back, 'b');
    close(this.front, 'b', this.pending.downstream.take());
  }
}

/** One UDP session: the client's datagrams to the proxy and on to the server, and back. */
class UdpSessionCapture {
  private readonly pending: Record<Direction, PendingComments> = { upstream: new PendingComments(), downstream: new PendingComments() };

  constructor(
    private readonly ends: { client: Endpoint; proxyFront: Endpoint; proxyBack: Endpoint; server: Endpoint },
    private readonly emit: (leg: number, packet: Buffer, headerBytes: number, comments: readonly string[]) => void,
    private readonly nextId: () => number,
  ) {}

  private datagram(leg: number, src: Endpoint, dst: Endpoint, data: Buffer, comments: readonly string[] = []): void {
    this.emit(leg, udpPacket(src, dst, data, this.nextId()), 28, comments);
  }

  tap(dir: Direction, limit: number | undefined): LinkTap {
    const e = this.ends;
    const up = dir === 'upstream';
    return {
      trace: (l) =>
        new TappedTrace(l ?? limit, (kind, offset, size, note) => {
          if (kind !== 'end') this.pending[dir].add(describe(dir, kind, offset, size, note));
        }),
      in: (data) => (up ? this.datagram(LEG_CLIENT, e.client, e.proxyFront, data) : this.datagram(LEG_SERVER, e.server, e.proxyBack, data)),
      out: (data) =>
        up
          ? this.datagram(LEG_SERVER, e.proxyBack, e.server, data, this.pending.upstream.take())
          : this.datagram(LEG_CLIENT, e.proxyFront, e.client, data, this.pending.downstream.take()),
    };
  }
}

export class Capture {
  private readonly tcp = new Map<number, TcpConnectionCapture>();
  private readonly udp = new Map<number, UdpSessionCapture>();
  private readonly maxPayload: number;
  private readonly clockUs: () => number;
  private payloadBytes = 0;
  private snapped = 0;
  private closed = false;
  private udpIpId = 1;
  /** Packets written so far. */
  packets = 0;

  constructor(private readonly opts: CaptureOptions & { traceLimit?: number }) {
    this.maxPayload = opts.maxPayloadBytes ?? DEFAULT_CAPTURE_PAYLOAD_BYTES;
    const wall = Date.now() * 1000;
    const mono = performance.now();
    this.clockUs = opts.clockUs ?? ((): number => wall + (performance.now() - mono) * 1000);
    opts.write(sectionHeader({ application: 'wirefault', ...(opts.comment ? { comment: opts.comment } : {}) }));
    opts.write(interfaceDescription({ linkType: LINKTYPE_RAW, name: 'client-leg', description: 'client <-> wirefault proxy' }));
    opts.write(interfaceDescription({ linkType: LINKTYPE_RAW, name: 'server-leg', description: 'wirefault proxy <-> server' }));
  }

  /** Payload bytes that did not fit the budget (their packets keep headers only). */
  get snappedBytes(): number {
    return this.snapped;
  }

  private emit(leg: number, packet: Buffer, headerBytes: number, comments: readonly string[]): void {
    if (this.closed) return;
    const payload = packet.length - headerBytes;
    let data = packet;
    let notes = comments;
    if (payload > 0 && this.payloadBytes + payload > this.maxPayload) {
      if (this.snapped === 0) notes = [...comments, `wirefault: capture budget of ${this.maxPayload} payload bytes reached; later packets keep headers only`];
      this.snapped += payload;
      data = packet.subarray(0, headerBytes);
    } else {
      this.payloadBytes += payload;
    }
    this.packets++;
    this.opts.write(
      enhancedPacket({ interfaceId: leg, timestampUs: this.clockUs(), data, originalLength: packet.length, comments: notes }),
    );
  }

  private sink = (leg: number): PacketSink => (packet, headerBytes, comments) => this.emit(leg, packet, headerBytes, comments);

  /** The tap for one direction of a TCP connection whose two sockets are connected. */
  tcpTap(conn: { index: number; client: SocketAddresses; server: SocketAddresses }, dir: Direction): LinkTap {
    let c = this.tcp.get(conn.index);
    if (!c) {
      c = new TcpConnectionCapture(conn.index, conn.client, conn.server, this.sink);
      this.tcp.set(conn.index, c);
    }
    return c.tap(dir, this.opts.traceLimit);
  }

  /** The connection closed: FIN (or RST) whatever is still open, then forget it. */
  endTcp(index: number): void {
    const c = this.tcp.get(index);
    if (!c) return;
    c.finish();
    this.tcp.delete(index);
  }

  /**
   * The tap for one direction of a UDP session: `client` is the client's address, `proxyFront`
   * the proxy's listening address, `proxyBack` the session's own socket, `server` the target.
   */
  udpTap(
    session: { index: number; client: Address; proxyFront: Address; proxyBack: Address; server: Address },
    dir: Direction,
  ): LinkTap {
    let s = this.udp.get(session.index);
    if (!s) {
      const ep = (a: Address): Endpoint => endpoint(a.host, a.port);
      s = new UdpSessionCapture(
        { client: ep(session.client), proxyFront: ep(session.proxyFront), proxyBack: ep(session.proxyBack), server: ep(session.server) },
        (leg, packet, header, comments) => this.emit(leg, packet, header, comments),
        () => this.udpIpId++,
      );
      this.udp.set(session.index, s);
    }
    return s.tap(dir, this.opts.traceLimit);
  }

  /** Finish every connection still open; nothing is written after this. */
  close(): void {
    if (this.closed) return;
    for (const index of [...this.tcp.keys()]) this.endTcp(index);
    this.udp.clear();
    this.closed = true;
  }
}
