// Test helpers: real loopback servers and clients, awaited on events (never on sleeps).
import net, { type AddressInfo, type Socket } from 'node:net';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { afterEach } from 'vitest';
import { proxyConfig } from '../../proxy/config.ts';
import { TcpProxy, type TcpConnection } from '../../proxy/tcp.ts';

export interface Server {
  server: net.Server;
  port: number;
  sockets: Socket[];
  close(): Promise<void>;
}

/** A TCP server on 127.0.0.1:0 whose connections are handed to `onSocket`. */
export async function startServer(onSocket: (s: Socket) => void, opts: net.ServerOpts = {}): Promise<Server> {
  const sockets: Socket[] = [];
  const server = net.createServer({ allowHalfOpen: true, ...opts }, (s) => {
    sockets.push(s);
    s.on('error', () => {});
    onSocket(s);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    server,
    port: (server.address() as AddressInfo).port,
    sockets,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/**
 * A server that only reads: `received(i)` resolves with what its i-th connection read (until
 * EOF or error). `onSocket` may also write, e.g. to answer after EOF.
 */
export async function sinkServer(onSocket: (s: Socket) => void = () => {}) {
  type Accepted = { socket: Socket; result: Promise<Collected> };
  const slots: { promise: Promise<Accepted>; resolve: (a: Accepted) => void }[] = [];
  const slot = (i: number) => {
    if (!slots[i]) {
      let resolve!: (a: Accepted) => void;
      const promise = new Promise<Accepted>((r) => (resolve = r));
      slots[i] = { promise, resolve };
    }
    return slots[i]!;
  };
  let accepted = 0;
  const srv = await startServer((s) => {
    slot(accepted++).resolve({ socket: s, result: collect(s) });
    onSocket(s);
  });
  return Object.assign(srv, {
    /** The i-th accepted socket. */
    socket: (i = 0): Promise<Socket> => slot(i).promise.then((a) => a.socket),
    /** What the i-th connection read, once it ended or failed. */
    received: (i = 0): Promise<Collected> => slot(i).promise.then((a) => a.result),
  });
}

/** A server that echoes every byte back, half-closing when the client does. */
export function echoServer(): Promise<Server> {
  return startServer((s) => s.pipe(s));
}

/**
 * Connect to 127.0.0.1:port. An 'error' listener is attached at once so a reset the test
 * provokes never becomes an uncaught exception; tests observe errors through collect().
 */
export async function connect(port: number): Promise<Socket> {
  const s = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true, noDelay: true });
  s.on('error', () => {});
  await once(s, 'connect');
  return s;
}

/** Start a proxy in front of `targetPort` with the given proxy section (YAML-shaped object). */
export async function startProxy(section: unknown, targetPort: number, seed = 1, maxBuffer?: number) {
  const config = proxyConfig(section, 'tcp');
  if (maxBuffer !== undefined) config.maxBuffer = maxBuffer;
  const proxy = new TcpProxy({ config, target: { host: '127.0.0.1', port: targetPort }, seed });
  const addr = await proxy.listen();
  return { proxy, port: addr.port };
}

export interface Collected {
  data: Buffer;
  /** Size of each 'data' event, in order: how the peer's reads were cut. */
  reads: number[];
  error?: NodeJS.ErrnoException;
}

/** Collect everything a socket reads until it ends or fails, plus the size of each read. */
export function collect(s: Socket): Promise<Collected> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    const reads: number[] = [];
    const done = (error?: NodeJS.ErrnoException) => resolve({ data: Buffer.concat(parts), reads, ...(error ? { error } : {}) });
    s.on('data', (c: Buffer) => {
      parts.push(c);
      reads.push(c.length);
    });
    s.once('end', () => done());
    s.once('error', (e: NodeJS.ErrnoException) => done(e));
  });
}

/** Read until `n` bytes have arrived; rejects if the socket ends or fails first. */
export function readBytes(s: Socket, n: number): Promise<Collected> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    const reads: number[] = [];
    let got = 0;
    const cleanup = () => {
      s.off('data', onData);
      s.off('end', onEnd);
      s.off('error', onError);
    };
    const onData = (c: Buffer) => {
      parts.push(c);
      reads.push(c.length);
      got += c.length;
      if (got >= n) {
        cleanup();
        resolve({ data: Buffer.concat(parts), reads });
      }
    };
    const onEnd = () => {
      cleanup();
      reject(new Error(`socket ended after ${got} of ${n} bytes`));
    };
    const onError = (e: Error) => {
      cleanup();
      reject(e);
    };
    s.on('data', onData);
    s.once('end', onEnd);
    s.once('error', onError);
  });
}

/** A deterministic payload: byte i is i mod 251 (a prime, so patterns do not align with sizes). */
export function pattern(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = i % 251;
  return b;
}

export function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/** The next connection the proxy accepts. */
export async function nextConnection(proxy: TcpProxy): Promise<TcpConnection> {
  const [conn] = await once(proxy, 'connection');
  return conn as TcpConnection;
}

/**
 * The proxy's side of `client`'s connection, matched by port, for clients opened concurrently
 * (where "the next connection" would hand every waiter the same one).
 */
export function connectionFor(proxy: TcpProxy, client: Socket): Promise<TcpConnection> {
  const mine = (c: TcpConnection) => c.client.remotePort === client.localPort;
  const found = [...proxy.connections].find(mine);
  if (found) return Promise.resolve(found);
  return new Promise((resolve) => {
    const on = (c: TcpConnection) => {
      if (!mine(c)) return;
      proxy.off('connection', on);
      resolve(c);
    };
    proxy.on('connection', on);
  });
}

/** Resolves when `conn` is fully closed (both of its sockets), however that happened. */
export function connectionClosed(proxy: TcpProxy, conn: TcpConnection): Promise<void> {
  if (!proxy.connections.has(conn)) return Promise.resolve();
  return new Promise((resolve) => {
    const on = (c: TcpConnection) => {
      if (c !== conn) return;
      proxy.off('closed', on);
      resolve();
    };
    proxy.on('closed', on);
  });
}

/** Resolves once the proxy has joined `conn` to its upstream (its links exist). */
export async function joined(conn: TcpConnection): Promise<void> {
  if (conn.upstream) return;
  if (conn.server.connecting) await once(conn.server, 'connect');
}

/**
 * Servers, proxies and sockets a test opened, closed after each test whatever its outcome.
 * Call once at the top of a describe block (or file): it registers its own afterEach.
 */
export function useCleanup() {
  const sockets = new Set<Socket>();
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
    const all = closers.splice(0).reverse();
    for (const close of all) await close();
  });
  return {
    socket<S extends Socket>(s: S): S {
      sockets.add(s);
      return s;
    },
    async server<S extends Server>(p: Promise<S>): Promise<S> {
      const srv = await p;
      closers.push(() => srv.close());
      return srv;
    },
    async proxy(section: unknown, targetPort: number, seed = 1, maxBuffer?: number) {
      const started = await startProxy(section, targetPort, seed, maxBuffer);
      closers.push(() => started.proxy.close());
      return started;
    },
    async connect(port: number): Promise<Socket> {
      const s = await connect(port);
      sockets.add(s);
      return s;
    },
  };
}

export type Cleanup = ReturnType<typeof useCleanup>;

/**
 * The usual fixture: an echo server (or the given one) behind a proxy with `section`, and a
 * client connected through it together with the proxy's side of that connection.
 */
export async function throughProxy<S extends Server = Server>(
  cleanup: Cleanup,
  section: unknown,
  opts: { seed?: number; maxBuffer?: number; server?: Promise<S> } = {},
) {
  const server = await cleanup.server((opts.server ?? echoServer()) as Promise<S>);
  const { proxy, port } = await cleanup.proxy(section, server.port, opts.seed ?? 1, opts.maxBuffer);
  const accepted = nextConnection(proxy);
  const client = await cleanup.connect(port);
  const conn = await accepted;
  // Tests watch conn.client's 'data' to pace their writes; a listener added before the proxy
  // has joined the connection would start the paused socket reading past the proxy's link.
  await joined(conn);
  return { server, proxy, port, client, conn };
}

/**
 * Send far more than the kernel buffers hold through a proxy with `section` to a server that
 * never reads, so the proxy's writes stay pending; resolves with what the client then sees.
 */
export async function floodStalledServer(cleanup: Cleanup, section: unknown): Promise<Collected> {
  const { client } = await throughProxy(cleanup, section, { server: sinkServer((s) => s.pause()) });
  const seen = collect(client);
  for (let i = 0; i < 200; i++) client.write(pattern(64 * 1024));
  return seen;
}
