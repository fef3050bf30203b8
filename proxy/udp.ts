// The UDP man-in-the-middle: one listening socket, a session per client address, each with its own upstream socket.
import dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import net from 'node:net';
import type { Logger } from 'pino';
import { formatAddress, type Address } from './address.ts';
import type { ProxyConfig, ResolvedFault } from './config.ts';
import { DatagramLink, HELD_DATAGRAM_SHARE } from './datagram-link.ts';
import { Rng, mixSeed, type Direction } from './rng.ts';
import { silentLogger } from './silent-logger.ts';
import { Timers } from './timers.ts';

export interface UdpProxyOptions {
  config: ProxyConfig;
  /** Where to listen and where to send; override the config's own listen/target. */
  listen?: Address;
  target?: Address;
  seed: number;
  log?: Logger;
  traceLimit?: number;
}

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

/** Decide once per session and direction which faults apply (the `probability` option). */
function applicable(faults: readonly ResolvedFault[], seed: number, session: number, dir: Direction): ResolvedFault[] {
  if (faults.every((f) => (f.options.probability ?? 1) >= 1)) return [...faults];
  const rng = new Rng(mixSeed(seed, session, dir === 'upstream' ? 1 : 2, 0x70b));
  return faults.filter((f) => rng.chance(f.options.probability ?? 1));
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** One client address: its upstream socket, a link each way, and its idle timer. */
export class UdpSession {
  readonly upstream: DatagramLink;
  readonly downstream: DatagramLink;
  /** Datagrams from the client, with their (possibly faulted) fate, reach the target through this socket. */
  readonly socket: dgram.Socket;
  /** Upstream errors seen (ICMP unreachable and the like). */
  upstreamErrors = 0;
  /** Datagrams lost because the upstream socket was still connecting and the wait queue was full. */
  lostConnecting = 0;
  private connected = false;
  /** Datagrams the upstream link sent before the socket was connected (bounded like the link). */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private lastActive = performance.now();
  private readonly timers = new Timers();
  private ended: SessionEnd | undefined;

  constructor(
    readonly index: number,
    readonly client: Address,
    private readonly proxy: UdpProxy,
    private readonly log: Logger,
    opts: { config: ProxyConfig; seed: number; target: Address; traceLimit?: number; listener: dgram.Socket },
  ) {
    const { config, seed, target, listener } = opts;
    const family = net.isIPv6(target.host) ? 'udp6' : 'udp4';
    this.socket = dgram.createSocket({ type: family, recvBufferSize: UPSTREAM_RECV_BUFFER });
    const make = (dir: Direction, send: (data: Buffer) => void): DatagramLink =>
      new DatagramLink({
        dir,
        session: index,
        seed,
        faults: applicable(dir === 'upstream' ? config.upstream : config.downstream, seed, index, dir),
        maxBuffer: config.maxBuffer,
        traceLimit: opts.traceLimit,
        log,
        send: (data) => {
          this.touch();
          send(data);
        },
      });
    // Decisions are made as datagrams arrive, so the upstream link runs from the first datagram;
    // what it sends before the socket is connected waits in `pending`.
    this.upstream = make('upstream', (data) => {
      if (this.connected) this.socket.send(data, (err) => this.sendFailed(err, 'upstream'));
      else this.hold(data, config.maxBuffer);
    });
    this.downstream = make('downstream', (data) => {
      if (!this.ended) listener.send(data, client.port, client.host, (err) => this.sendFailed(err, 'downstream'));
    });

    this.socket.on('message', (data) => {
      this.touch();
      this.downstream.push(data);
    });
    this.socket.on('error', (err: NodeJS.ErrnoException) => this.upstreamError(err));
    // Loopback targets get a loopback source; others whatever the kernel routes through.
    const bindHost = isLoopback(target.host) ? (family === 'udp6' ? '::1' : '127.0.0.1') : undefined;
    this.socket.bind(0, bindHost, () => {
      if (this.ended) return;
      // Connected, so the kernel reports ICMP port unreachable as an error on this socket.
      this.socket.connect(target.port, target.host, (err?: Error) => {
        if (this.ended) return;
        if (err) {
          this.upstreamError(err);
          return;
        }
        this.connected = true;
        log.debug({ session: index, target: formatAddress(target) }, 'upstream socket ready');
        for (const data of this.pending.splice(0)) this.socket.send(data, (e) => this.sendFailed(e, 'upstream'));
        this.pendingBytes = 0;
      });
    });
    this.armIdle(config.idleTimeoutMs);
  }

  /** A datagram from the client. */
  fromClient(data: Buffer): void {
    this.touch();
    this.upstream.push(data);
  }

  private hold(data: Buffer, maxBuffer: number): void {
    const fits = this.pendingBytes + data.length <= maxBuffer && this.pending.length < maxBuffer / HELD_DATAGRAM_SHARE;
    if (!fits) {
      this.lostConnecting++;
      this.log.debug({ session: this.index, dir: 'upstream', bytes: data.length }, 'lost while the upstream socket connects');
      return;
    }
    this.pending.push(data);
    this.pendingBytes += data.length;
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
      if (quiet + 1 >= timeoutMs && !holding) this.proxy.endSession(this, 'idle');
      else this.armIdle(timeoutMs, holding ? timeoutMs : timeoutMs - quiet);
    });
  }

  private upstreamError(err: NodeJS.ErrnoException): void {
    this.upstreamErrors++;
    const code = err.code ?? err.message;
    if (err.code !== undefined && UNREACHABLE.has(err.code)) {
      // One line per session at info; the rest (one per datagram sent to a closed port) at debug.
      const level = this.upstreamErrors === 1 ? 'info' : 'debug';
      this.log[level]({ session: this.index, dir: 'upstream', err: code, count: this.upstreamErrors }, 'upstream unreachable');
      this.proxy.emit('upstreamError', this, err);
      return;
    }
    this.log.warn({ session: this.index, dir: 'upstream', err: code }, 'upstream socket failed');
    this.proxy.emit('upstreamError', this, err);
    this.proxy.endSession(this, 'upstream failed');
  }

  private sendFailed(err: Error | null, dir: Direction): void {
    if (err) this.log.debug({ session: this.index, dir, err: (err as NodeJS.ErrnoException).code ?? err.message }, 'send failed');
  }

  /** Stop timers and links and close the upstream socket; resolves once it is closed. */
  close(why: SessionEnd): Promise<void> {
    if (this.ended) return Promise.resolve();
    this.ended = why;
    this.pending = [];
    this.timers.dispose();
    this.upstream.dispose(why);
    this.downstream.dispose(why);
    return new Promise((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve(); // already closed by a failure
      }
    });
  }
}

export interface UdpProxyEvents {
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
    const target = opts.target ?? opts.config.target;
    if (!target) throw new TypeError('UdpProxy needs a target address');
    this.target = target;
    this.listenAt = opts.listen ?? opts.config.listen ?? { host: '127.0.0.1', port: 0 };
    const type = net.isIPv6(this.listenAt.host) ? 'udp6' : 'udp4';
    this.socket = dgram.createSocket({ type, recvBufferSize: LISTENER_RECV_BUFFER });
    this.socket.on('message', (data, rinfo) => this.receive(data, { host: rinfo.address, port: rinfo.port }));
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
    const a = this.socket.address();
    return { host: a.address, port: a.port };
  }

  private receive(data: Buffer, client: Address): void {
    if (this.closing) return;
    const key = formatAddress(client);
    let session = this.sessions.get(key);
    if (!session) {
      const { config } = this.opts;
      if (this.sessions.size >= config.maxSessions) {
        this.refuse(key, client, data.length);
        return;
      }
      const index = this.count++;
      session = new UdpSession(index, client, this, this.log.child({ session: index }), {
        config,
        seed: this.opts.seed,
        target: this.target,
        traceLimit: this.opts.traceLimit,
        listener: this.socket,
      });
      this.sessions.set(key, session);
      this.log.debug({ session: index, client: key }, 'session opened');
      this.emit('session', session);
    }
    session.fromClient(data);
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
      all.push(new Promise<void>((resolve) => this.socket.close(() => resolve())));
      this.closing = Promise.all(all).then(() => undefined);
    }
    return this.closing;
  }
}
