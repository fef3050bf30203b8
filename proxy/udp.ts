// The UDP man-in-the-middle: one listening socket, a session per client address, each with its own upstream socket.
import dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import net from 'node:net';
import type { Logger } from 'pino';
import { formatAddress, type Address } from './address.ts';
import type { Capture } from './capture.ts';
import type { ProxyConfig } from './config.ts';
import { DatagramLink, HELD_DATAGRAM_SHARE } from './datagram-link.ts';
import { applicableAt } from './probability.ts';
import type { Direction } from './rng.ts';
import { endpoints, type ProxyOptions } from './proxy-options.ts';
import { silentLogger } from './silent-logger.ts';
import { Timers } from './timers.ts';

export type UdpProxyOptions = ProxyOptions;

/** Why a session ended. */
export type SessionEnd = 'idle' | 'proxy closed' | 'upstream failed';

/** Socket errors that are an ICMP message about the target, not a broken socket: log and go on. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN']);

/**
 * Kernel receive buffers asked for (the kernel caps them at net.core.rmem_max): a burst from a
 * client, or from the server, should wait in the kernel rather than be lost before any fault
 * was applied. Memory stays bounded either way.
 */
const LISTENER_RECV_BUFFER = 4 * 1024 * 1024;
const UPSTREAM_RECV_BUFFER = 1024 * 1024;

/** Refused client addresses remembered so each is logged once; forgotten in bulk past this many. */
const MAX_REFUSED_LOGGED = 1024;

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

function addressOf(a: { address: string; port: number }): Address {
  return { host: a.address, port: a.port };
}

/** What a session needs from its proxy to build its links. */
interface SessionSetup {
  config: ProxyConfig;
  seed: number;
  traceLimit?: number | undefined;
  capture?: Capture | undefined;
  /** The proxy's listening socket: replies to the client leave through it. */
  listener: dgram.Socket;
}

/** One client address: its connected upstream socket, a link each way, and its idle timer. */
export class UdpSession {
  readonly upstream: DatagramLink;
  readonly downstream: DatagramLink;
  /** Upstream errors seen (ICMP unreachable and the like). */
  upstreamErrors = 0;
  private lastActive = performance.now();
  private readonly timers = new Timers();
  private ended: SessionEnd | undefined;

  constructor(
    readonly index: number,
    readonly client: Address,
    /** Bound and connected to the target, so the kernel reports ICMP unreachable on it. */
    readonly socket: dgram.Socket,
    private readonly proxy: UdpProxy,
    private readonly log: Logger,
    setup: SessionSetup,
  ) {
    const { config, seed, listener, capture } = setup;
    const ends = {
      index,
      client,
      proxyFront: addressOf(listener.address()),
      proxyBack: addressOf(socket.address()),
      server: addressOf(socket.remoteAddress()),
    };
    const make = (dir: Direction, send: (data: Buffer) => void): DatagramLink =>
      new DatagramLink({
        dir,
        session: index,
        seed,
        // Seeded by place in the configured chain: a fault skipped by `probability` shifts nothing.
        ...applicableAt(dir === 'upstream' ? config.upstream : config.downstream, seed, index, dir),
        maxBuffer: config.maxBuffer,
        traceLimit: setup.traceLimit,
        tap: capture?.udpTap(ends, dir),
        log,
        send: (data) => {
          this.touch();
          send(data);
        },
      });
    this.upstream = make('upstream', (data) => socket.send(data, (err) => this.sendFailed(err, 'upstream')));
    this.downstream = make('downstream', (data) =>
      listener.send(data, client.port, client.host, (err) => this.sendFailed(err, 'downstream')),
    );
    socket.on('message', (data) => {
      this.touch();
      this.downstream.push(data);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => this.upstreamError(err));
    this.armIdle(config.idleTimeoutMs);
  }

  /** A datagram from the client. */
  fromClient(data: Buffer): void {
    this.touch();
    this.upstream.push(data);
  }

  get closed(): boolean {
    return this.ended !== undefined;
  }

  private touch(): void {
    this.lastActive = performance.now();
  }

  /** One timer, re-armed for the rest of the timeout when traffic came meanwhile. */
  private armIdle(timeoutMs: number, wait = timeoutMs): void {
    this.timers.after(wait, () => {
      const quiet = performance.now() - this.lastActive;
      const holding = this.upstream.held.count + this.downstream.held.count > 0;
      // Timers may fire a little early by the performance clock; a millisecond is "on time".
      if (quiet + 1 >= timeoutMs && !holding) void this.proxy.endSession(this, 'idle');
      else this.armIdle(timeoutMs, holding ? timeoutMs : timeoutMs - quiet);
    });
  }

  private upstreamError(err: NodeJS.ErrnoException): void {
    this.upstreamErrors++;
    const code = err.code ?? err.message;
    this.proxy.emit('upstreamError', this, err);
    if (err.code !== undefined && UNREACHABLE.has(err.code)) {
      // One line per session at info; the rest (one per datagram sent to a closed port) at debug.
      const level = this.upstreamErrors === 1 ? 'info' : 'debug';
      this.log[level]({ session: this.index, dir: 'upstream', err: code, count: this.upstreamErrors }, 'upstream unreachable');
      return;
    }
    this.log.warn({ session: this.index, dir: 'upstream', err: code }, 'upstream socket failed');
    void this.proxy.endSession(this, 'upstream failed');
  }

  private sendFailed(err: Error | null, dir: Direction): void {
    if (err) this.log.debug({ session: this.index, dir, err: (err as NodeJS.ErrnoException).code ?? err.message }, 'send failed');
  }

  /** Stop timers and links and close the upstream socket; resolves once it is closed. */
  close(why: SessionEnd): Promise<void> {
    if (this.ended) return Promise.resolve();
    this.ended = why;
    this.timers.dispose();
    this.upstream.dispose(why);
    this.downstream.dispose(why);
    return closeSocket(this.socket);
  }
}

/** Close a dgram socket, resolving once closed (at once if it already was). */
function closeSocket(socket: dgram.Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}

/** A new client whose upstream socket is being bound and connected; its first datagrams wait here. */
interface Opening {
  index: number;
  socket: dgram.Socket;
  queue: Buffer[];
  bytes: number;
}

export interface UdpProxyEvents {
  /** A session is ready (its upstream socket connected); its first datagrams follow at once. */
  session: [UdpSession];
  sessionClosed: [UdpSession, SessionEnd];
  /** A datagram from a new client was refused because max_sessions sessions exist. */
  refused: [Address];
  upstreamError: [UdpSession, NodeJS.ErrnoException];
}

export class UdpProxy extends EventEmitter<UdpProxyEvents> {
  /** Live sessions by client address (`host:port`). */
  readonly sessions = new Map<string, UdpSession>();
  /** Datagrams refused because of max_sessions. */
  refusedDatagrams = 0;
  private readonly opening = new Map<string, Opening>();
  private readonly socket: dgram.Socket;
  private readonly log: Logger;
  private readonly target: Address;
  private readonly listenAt: Address;
  private readonly refusedLogged = new Set<string>();
  private count = 0;
  private closing: Promise<void> | undefined;

  constructor(private readonly opts: UdpProxyOptions) {
    super();
    this.log = opts.log ?? silentLogger();
    ({ target: this.target, listenAt: this.listenAt } = endpoints(opts, 'UdpProxy'));
    const type = net.isIPv6(this.listenAt.host) ? 'udp6' : 'udp4';
    this.socket = dgram.createSocket({ type, recvBufferSize: LISTENER_RECV_BUFFER });
    this.socket.on('message', (data, rinfo) => this.receive(data, addressOf(rinfo)));
  }

  async listen(): Promise<Address> {
    await new Promise<void>((resolve, reject) => {
      this.socket.once('error', reject);
      this.socket.bind(this.listenAt.port, this.listenAt.host, () => {
        this.socket.off('error', reject);
        resolve();
      });
    });
    // A send to a client that went away may surface here; the listener carries on.
    this.socket.on('error', (err: NodeJS.ErrnoException) => this.log.debug({ err: err.code ?? err.message }, 'listener error'));
    return this.address();
  }

  address(): Address {
    return addressOf(this.socket.address());
  }

  private receive(data: Buffer, client: Address): void {
    if (this.closing) return;
    const key = formatAddress(client);
    const session = this.sessions.get(key);
    if (session) {
      session.fromClient(data);
      return;
    }
    const opening = this.opening.get(key);
    if (opening) {
      this.enqueue(opening, data);
      return;
    }
    if (this.sessions.size + this.opening.size >= this.opts.config.maxSessions) {
      this.refuse(key, client, data.length);
      return;
    }
    this.open(key, client, data);
  }

  /** Bind and connect a new session's upstream socket; the session starts once it is connected. */
  private open(key: string, client: Address, first: Buffer): void {
    const index = this.count++;
    const target = this.target;
    const family = net.isIPv6(target.host) ? 'udp6' : 'udp4';
    const socket = dgram.createSocket({ type: family, recvBufferSize: UPSTREAM_RECV_BUFFER });
    const opening: Opening = { index, socket, queue: [first], bytes: first.length };
    this.opening.set(key, opening);
    const fail = (err: NodeJS.ErrnoException): void => {
      if (this.opening.get(key) !== opening) return;
      this.opening.delete(key);
      this.log.warn({ session: index, err: err.code ?? err.message, target: formatAddress(target) }, 'upstream socket failed');
      void closeSocket(socket);
    };
    socket.on('error', fail);
    // Loopback targets get a loopback source; others whatever the kernel routes through.
    const bindHost = isLoopback(target.host) ? (family === 'udp6' ? '::1' : '127.0.0.1') : undefined;
    socket.bind(0, bindHost, () => {
      // Connected, so the kernel reports ICMP port unreachable as an error on this socket.
      socket.connect(target.port, target.host, (err?: Error) => {
        if (err) return fail(err);
        if (this.opening.get(key) !== opening) return; // the proxy closed meanwhile
        this.opening.delete(key);
        socket.off('error', fail);
        const log = this.log.child({ session: index });
        const { config, seed, traceLimit, capture } = this.opts;
        const session = new UdpSession(index, client, socket, this, log, { config, seed, traceLimit, capture, listener: this.socket });
        this.sessions.set(key, session);
        log.debug({ client: key, target: formatAddress(target) }, 'session opened');
        this.emit('session', session);
        for (const data of opening.queue) session.fromClient(data);
      });
    });
  }

  /** While connecting (a few microseconds on a literal address) keep datagrams, within the session's bound. */
  private enqueue(opening: Opening, data: Buffer): void {
    const { maxBuffer } = this.opts.config;
    if (opening.bytes + data.length > maxBuffer || opening.queue.length >= maxBuffer / HELD_DATAGRAM_SHARE) {
      this.log.debug({ session: opening.index, dir: 'upstream', bytes: data.length }, 'lost while the upstream socket connects');
      return;
    }
    opening.queue.push(data);
    opening.bytes += data.length;
  }

  private refuse(key: string, client: Address, bytes: number): void {
    this.refusedDatagrams++;
    if (!this.refusedLogged.has(key)) {
      if (this.refusedLogged.size >= MAX_REFUSED_LOGGED) this.refusedLogged.clear();
      this.refusedLogged.add(key);
      this.log.warn(
        { client: key, bytes, max_sessions: this.opts.config.maxSessions },
        'new client refused: max_sessions sessions are open',
      );
    }
    this.emit('refused', client);
  }

  /** Close one session (idle, failed, or on shutdown); its client gets a new one on its next datagram. */
  endSession(session: UdpSession, why: SessionEnd): Promise<void> {
    const key = formatAddress(session.client);
    if (this.sessions.get(key) === session) this.sessions.delete(key);
    if (session.closed) return Promise.resolve();
    this.refusedLogged.clear(); // a slot is free: a refused client may now get in, log it afresh
    const done = session.close(why);
    this.log.debug(
      { session: session.index, why, up: session.upstream.trace.totals, down: session.downstream.trace.totals },
      'session closed',
    );
    this.emit('sessionClosed', session, why);
    return done;
  }

  /** Stop listening and close every session. */
  close(): Promise<void> {
    if (!this.closing) {
      const all = [...this.sessions.values()].map((s) => this.endSession(s, 'proxy closed'));
      for (const opening of this.opening.values()) all.push(closeSocket(opening.socket));
      this.opening.clear();
      all.push(closeSocket(this.socket));
      this.closing = Promise.all(all).then(() => undefined);
    }
    return this.closing;
  }
}
