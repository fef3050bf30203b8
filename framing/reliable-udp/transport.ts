// The datagram transport reliable UDP runs over, and its adapter for a real `dgram` socket.
import type { Socket } from 'node:dgram';

/** Anything that carries whole datagrams, unreliably: a UDP socket, the lossy channel, a proxy session. */
export interface DatagramTransport {
  send(datagram: Uint8Array): void;
  /** Register the one receiver of incoming datagrams. */
  onMessage(callback: (datagram: Buffer) => void): void;
  close(): void;
}

export interface UdpPeer {
  address: string;
  port: number;
}

export interface UdpTransportOptions {
  /** Close the socket when the transport closes. Default true. */
  ownsSocket?: boolean;
}

/**
 * A transport over a bound `dgram` socket talking to one peer. Without `remote` it adopts the sender of the
 * first datagram (a server's first client). Datagrams from other addresses are ignored. Send failures
 * (ICMP unreachable and the like) count as loss: retransmission and the give-up limit deal with them.
 */
export class UdpTransport implements DatagramTransport {
  private readonly socket: Socket;
  private readonly ownsSocket: boolean;
  private peer: UdpPeer | undefined;
  private callback: ((datagram: Buffer) => void) | undefined;
  private closed = false;
  /** The last socket error, kept for diagnostics (UDP errors are not fatal to the protocol). */
  lastError: Error | undefined;

  constructor(socket: Socket, remote?: UdpPeer, opts: UdpTransportOptions = {}) {
    this.socket = socket;
    this.peer = remote;
    this.ownsSocket = opts.ownsSocket ?? true;
    socket.on('message', this.onDatagram);
    socket.on('error', this.onError);
  }

  get remote(): UdpPeer | undefined {
    return this.peer;
  }

  send(datagram: Uint8Array): void {
    const peer = this.peer;
    if (this.closed || peer === undefined) return;
    this.socket.send(datagram, peer.port, peer.address, (err) => {
      if (err) this.lastError = err;
    });
  }

  onMessage(callback: (datagram: Buffer) => void): void {
    this.callback = callback;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.off('message', this.onDatagram);
    if (this.ownsSocket) this.socket.close();
    else this.socket.off('error', this.onError);
  }

  private readonly onDatagram = (datagram: Buffer, from: { address: string; port: number }): void => {
    if (this.peer === undefined) this.peer = { address: from.address, port: from.port };
    else if (from.port !== this.peer.port || from.address !== this.peer.address) return;
    this.callback?.(datagram);
  };

  private readonly onError = (err: Error): void => {
    this.lastError = err;
  };
}
