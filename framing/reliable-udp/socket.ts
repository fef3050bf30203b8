// Reliable UDP over real sockets: a client connection, and a listener that accepts one connection per peer.
import dgram from 'node:dgram';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { EventEmitter } from 'node:events';
import { ReliableUdp, type ReliableUdpOptions } from './connection.ts';
import { decodePacket, KIND_DATA, KIND_FIN, type Packet } from './packet.ts';
import { UdpTransport, type DatagramTransport, type UdpPeer } from './transport.ts';

function socketType(host: string): 'udp4' | 'udp6' {
  return host.includes(':') ? 'udp6' : 'udp4';
}

/**
 * A whole window arrives as one burst; the kernel's default receive buffer (~208 KiB on Linux) overflows
 * under a 256-segment window and turns into loss. Ask for more; the kernel caps it at its own maximum.
 */
const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

function enlargeBuffers(socket: dgram.Socket): void {
  try {
    socket.setRecvBufferSize(Math.max(socket.getRecvBufferSize(), SOCKET_BUFFER_BYTES));
    socket.setSendBufferSize(Math.max(socket.getSendBufferSize(), SOCKET_BUFFER_BYTES));
  } catch {
    // Not allowed here: the defaults only cost retransmissions.
  }
}

/** A connection to `host:port` from a fresh socket on an ephemeral port; the connection owns the socket. */
export async function connectReliableUdp(host: string, port: number, opts: ReliableUdpOptions = {}): Promise<ReliableUdp> {
  const socket = dgram.createSocket(socketType(host));
  socket.bind(0, host.includes(':') ? '::' : '0.0.0.0');
  await once(socket, 'listening');
  enlargeBuffers(socket);
  return new ReliableUdp(new UdpTransport(socket, { address: host, port }), opts);
}

/** One peer's slice of the listener's socket. */
class PeerTransport implements DatagramTransport {
  callback: ((datagram: Buffer) => void) | undefined;
  constructor(
    private readonly socket: dgram.Socket,
    readonly peer: UdpPeer,
    private readonly onClose: () => void,
  ) {}

  send(datagram: Uint8Array): void {
    this.socket.send(datagram, this.peer.port, this.peer.address, () => {
      // Send errors are loss; retransmission and the retry limit handle them.
    });
  }

  onMessage(callback: (datagram: Buffer) => void): void {
    this.callback = callback;
  }

  close(): void {
    this.onClose();
  }
}

type ListenerEvents = {
  connection: [connection: ReliableUdp, peer: UdpPeer];
  error: [error: Error];
};

/**
 * A UDP socket serving many peers: the first valid data packet from a new address opens a connection for
 * it ('connection'). A connection leaves the table when it closes. The listener owns the socket.
 */
export class RudpListener extends EventEmitter<ListenerEvents> {
  private readonly socket: dgram.Socket;
  private readonly opts: ReliableUdpOptions;
  private readonly peers = new Map<string, PeerTransport>();
  private readonly connections = new Set<ReliableUdp>();
  private closed = false;

  private constructor(socket: dgram.Socket, opts: ReliableUdpOptions) {
    super();
    this.socket = socket;
    this.opts = opts;
    socket.on('message', (datagram, from) => this.onDatagram(datagram, from));
    socket.on('error', (err) => {
      if (this.listenerCount('error') > 0) this.emit('error', err);
    });
  }

  static async listen(port = 0, host = '127.0.0.1', opts: ReliableUdpOptions = {}): Promise<RudpListener> {
    const socket = dgram.createSocket(socketType(host));
    socket.bind(port, host);
    await once(socket, 'listening');
    enlargeBuffers(socket);
    return new RudpListener(socket, opts);
  }

  address(): AddressInfo {
    return this.socket.address();
  }

  /** Connections open now. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** Destroy every connection and close the socket. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const c of [...this.connections]) c.destroy();
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }

  private onDatagram(datagram: Buffer, from: dgram.RemoteInfo): void {
    if (this.closed) return;
    const key = `${from.address}|${from.port}`;
    let transport = this.peers.get(key);
    if (transport === undefined) {
      if (!this.opensConnection(decodePacket(datagram))) return;
      const peer = { address: from.address, port: from.port };
      transport = new PeerTransport(this.socket, peer, () => this.peers.delete(key));
      this.peers.set(key, transport);
      const connection = new ReliableUdp(transport, this.opts);
      this.connections.add(connection);
      connection.once('close', () => this.connections.delete(connection));
      this.emit('connection', connection, peer);
    }
    transport.callback?.(datagram);
  }

  /**
   * Only the start of a fresh connection opens one: a valid data packet, early in the sequence space, from a
   * peer that has heard nothing yet. Damaged datagrams, stray acks and the retransmitted FIN of a connection
   * that already ended (after its linger) create nothing.
   */
  private opensConnection(packet: Packet | undefined): boolean {
    if (packet === undefined || (packet.kind !== KIND_DATA && packet.kind !== KIND_FIN)) return false;
    const initial = this.opts.initialSeq ?? 0;
    return packet.una === initial && ((packet.seq - initial) >>> 0) < (this.opts.window ?? 256);
  }
}
