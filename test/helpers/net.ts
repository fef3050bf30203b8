// Test helpers: real loopback servers and clients, awaited on events (never on sleeps).
import net, { type AddressInfo, type Socket } from 'node:net';
import { once } from 'node:events';
import { proxyConfig } from '../../proxy/config.ts';
import { TcpProxy } from '../../proxy/tcp.ts';

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

/** A server that echoes every byte back, half-closing when the client does. */
export function echoServer(): Promise<Server> {
  return startServer((s) => s.pipe(s));
}

export async function connect(port: number): Promise<Socket> {
  const s = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
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

/** Collect everything a socket reads until it ends, plus the size of each read. */
export function collect(s: Socket): Promise<{ data: Buffer; reads: number[]; error?: NodeJS.ErrnoException }> {
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
