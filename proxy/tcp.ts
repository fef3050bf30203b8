// The TCP man-in-the-middle: accepts clients, dials the target, joins them with two fault links.
import { EventEmitter } from 'node:events';
import net, { type AddressInfo, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Address } from './address.ts';
import type { ResolvedFault } from './config.ts';
import { StreamLink } from './link.ts';
import { applicableAt } from './probability.ts';
import type { Direction } from './rng.ts';
import { endpoints, type ProxyOptions } from './proxy-options.ts';
import { silentLogger } from './silent-logger.ts';

export type TcpProxyOptions = ProxyOptions;

/** One proxied connection: the client socket, the upstream socket and a link each way. */
export class TcpConnection {
  upstream?: StreamLink;
  downstream?: StreamLink;
  private done = false;

  constructor(
    readonly index: number,
    readonly client: Socket,
    readonly server: Socket,
  ) {}

  /** Both sockets are gone. */
  get closed(): boolean {
    return this.client.destroyed && this.server.destroyed;
  }

  /** A fault closes the whole connection: FIN both ways once written bytes are flushed. */
  close(): void {
    if (this.done) return;
    this.done = true;
    for (const s of [this.client, this.server]) {
      if (!s.destroyed) s.end(() => s.destroy());
    }
  }

  /** A fault or a peer resets: RST both ways. */
  reset(): void {
    if (this.done) return;
    this.done = true;
    for (const s of [this.client, this.server]) {
      if (!s.destroyed) s.resetAndDestroy();
    }
  }

  /** Tear down without ceremony (proxy shutdown). */
  destroy(): void {
    this.done = true;
    this.client.destroy();
    this.server.destroy();
    this.dispose();
  }

  dispose(): void {
    this.upstream?.dispose();
    this.downstream?.dispose();
  }
}

export interface TcpProxyEvents {
  connection: [TcpConnection];
  closed: [TcpConnection];
}

export class TcpProxy extends EventEmitter<TcpProxyEvents> {
  readonly connections = new Set<TcpConnection>();
  private readonly server: net.Server;
  private readonly log: Logger;
  private count = 0;
  private readonly target: Address;
  private readonly listenAt: Address;
  /** The chains new connections get; `setFaults` replaces them (serve's live toxics). */
  private chains: { upstream: readonly ResolvedFault[]; downstream: readonly ResolvedFault[] };

  constructor(private readonly opts: TcpProxyOptions) {
    super();
    this.log = opts.log ?? silentLogger();
    ({ target: this.target, listenAt: this.listenAt } = endpoints(opts, 'TcpProxy'));
    this.chains = { upstream: opts.config.upstream, downstream: opts.config.downstream };
    // pauseOnConnect: nothing is read from a client until its upstream is connected.
    this.server = net.createServer({ pauseOnConnect: true, allowHalfOpen: true, noDelay: true }, (client) =>
      this.adopt(client, this.count++),
    );
    this.server.on('error', (err) => this.log.error({ err }, 'listener error'));
  }

  async listen(): Promise<Address> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.listenAt.port, this.listenAt.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return this.address();
  }

  address(): Address {
    const a = this.server.address() as AddressInfo;
    return { host: a.address, port: a.port };
  }

  /**
   * Proxy a client connection accepted elsewhere: by this proxy's listener, or by the primary
   * process of `wirefault proxy --workers`, which numbers connections in the order it accepts
   * them so that each one's faults are seeded as with one process.
   */
  adopt(client: Socket, index: number): void {
    const log = this.log.child({ conn: index });
    // A socket passed from another process arrives reading and without half-open support;
    // nothing may be read until the upstream is joined, and a client's FIN must not end the reply.
    client.pause();
    client.allowHalfOpen = true;
    client.setNoDelay(true);
    const server = net.connect({
      host: this.target.host,
      port: this.target.port,
      allowHalfOpen: true,
      noDelay: true,
    });
    const conn = new TcpConnection(index, client, server);
    this.connections.add(conn);
    let connected = false;

    server.once('connect', () => {
      connected = true;
      log.debug({ target: this.target }, 'upstream connected');
      this.join(conn);
    });
    client.on('error', (err: NodeJS.ErrnoException) => {
      log.debug({ err: err.code ?? err.message, side: 'client' }, 'client socket error');
      // A peer's reset is forwarded as a reset; any other failure just closes the other leg.
      if (err.code === 'ECONNRESET' && !server.destroyed) server.resetAndDestroy();
      else server.destroy();
    });
    server.on('error', (err: NodeJS.ErrnoException) => {
      if (!connected) log.info({ err: err.code ?? err.message, target: this.target }, 'upstream unreachable');
      else log.debug({ err: err.code ?? err.message, side: 'server' }, 'upstream socket error');
      if (connected && err.code === 'ECONNRESET' && !client.destroyed) client.resetAndDestroy();
      else client.destroy();
    });
    let closedSockets = 0;
    const onClose = (): void => {
      if (++closedSockets < 2) return;
      conn.dispose();
      this.connections.delete(conn);
      log.debug({ up: conn.upstream?.trace.totals, down: conn.downstream?.trace.totals }, 'connection closed');
      this.emit('closed', conn);
    };
    client.once('close', onClose);
    server.once('close', onClose);
    this.emit('connection', conn);
  }

  /**
   * Replace the fault chains: connections accepted from now on get them, and open connections
   * switch over in each direction whose chain changed (StreamLink.replaceFaults keeps order).
   */
  setFaults(upstream: readonly ResolvedFault[], downstream: readonly ResolvedFault[]): void {
    const old = this.chains;
    this.chains = { upstream, downstream };
    for (const dir of ['upstream', 'downstream'] as const) {
      if (JSON.stringify(old[dir]) === JSON.stringify(this.chains[dir])) continue;
      for (const conn of this.connections) {
        const { faults, positions } = applicableAt(this.chains[dir], this.opts.seed, conn.index, dir);
        conn[dir]?.replaceFaults(faults, positions);
      }
    }
  }

  private join(conn: TcpConnection): void {
    const { config, seed } = this.opts;
    const make = (dir: Direction, source: Socket, sink: Socket): StreamLink =>
      new StreamLink({
        source,
        sink,
        dir,
        conn: conn.index,
        seed,
        ...applicableAt(this.chains[dir], seed, conn.index, dir),
        maxBuffer: config.maxBuffer,
        traceLimit: this.opts.traceLimit,
        tap: this.opts.capture?.tcpTap(conn, dir),
        log: this.log,
        onConnectionEnd: (how) => (how === 'reset' ? conn.reset() : conn.close()),
      });
    conn.upstream = make('upstream', conn.client, conn.server);
    conn.downstream = make('downstream', conn.server, conn.client);
    conn.upstream.start();
    conn.downstream.start();
  }

  /** Stop listening and tear down every connection. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const conn of this.connections) conn.destroy();
    await closed;
  }
}
