// A TCP server for built-in pairs: listens, owns its connections, closes them all on close().
import net, { type AddressInfo, type Socket } from 'node:net';
import { once } from 'node:events';
import type { Address } from '../../proxy/index.ts';
import type { PairContext, RunningServer } from './contract.ts';

/** Start a server that hands each connection to `serve`; a failing connection never stops the server. */
export async function startTcpServer(
  ctx: PairContext,
  listen: Address,
  stats: Record<string, number>,
  serve: (socket: Socket, conn: number) => Promise<void>,
): Promise<RunningServer> {
  const sockets = new Set<Socket>();
  let count = 0;
  const server = net.createServer({ noDelay: true }, (socket) => {
    const conn = count++;
    sockets.add(socket);
    stats.connections = (stats.connections ?? 0) + 1;
    socket.on('error', (err: NodeJS.ErrnoException) => ctx.log.debug({ conn, err: err.code ?? err.message }, 'server socket error'));
    socket.once('close', () => sockets.delete(socket));
    serve(socket, conn).catch((err: Error & { code?: string }) => {
      // A client that sends garbage loses its connection, and only its connection.
      stats.rejected = (stats.rejected ?? 0) + 1;
      ctx.log.warn({ conn, code: err.code, err: err.message }, 'connection closed after an error');
      socket.destroy();
    });
  });
  server.listen(listen.port, listen.host);
  await once(server, 'listening');
  const a = server.address() as AddressInfo;
  return {
    address: { host: a.address, port: a.port },
    stats,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Connect a client socket with Nagle off, so each write is its own segment as in the tutorials. */
export async function connectTcp(target: Address, signal: AbortSignal): Promise<Socket> {
  const socket = net.connect({ host: target.host, port: target.port, noDelay: true });
  const onAbort = (): void => {
    socket.destroy();
  };
  signal.addEventListener('abort', onAbort, { once: true });
  socket.once('close', () => signal.removeEventListener('abort', onAbort));
  await once(socket, 'connect');
  return socket;
}
