// Serve test fixture: an in-process control server on 127.0.0.1:0, raw API calls, timed round trips.
import { afterEach } from 'vitest';
import type { Socket } from 'node:net';
import { silentLogger } from '../../../proxy/silent-logger.ts';
import { ControlServer } from '../../../runner/serve/server.ts';
import { connect, readBytes } from '../../helpers/net.ts';

export interface Control {
  server: ControlServer;
  /** http://127.0.0.1:PORT */
  url: string;
}

/** Control servers and client sockets of a test, closed after it whatever its outcome. */
export function useServe() {
  const servers: ControlServer[] = [];
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    for (const s of servers.splice(0)) await s.close();
  });
  return {
    async start(seed = 1): Promise<Control> {
      const server = new ControlServer({ host: '127.0.0.1', port: 0, seed, log: silentLogger() });
      servers.push(server);
      const addr = await server.listen();
      return { server, url: `http://127.0.0.1:${addr.port}` };
    },
    async connect(port: number): Promise<Socket> {
      const s = await connect(port);
      sockets.push(s);
      return s;
    },
  };
}

export interface ApiAnswer {
  status: number;
  text: string;
  // any: each test reads the JSON shape of the endpoint it called.
  json: any;
}

/** One API call with fetch; `body` is sent as JSON unless it is already a string. */
export async function api(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ApiAnswer> {
  const init: RequestInit = { method, headers };
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  const res = await fetch(`${url}${path}`, init);
  const text = await res.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json };
}

/** The port of a proxy's listen address as the API reports it. */
export function portOf(listen: string): number {
  return Number(listen.slice(listen.lastIndexOf(':') + 1));
}

/** Milliseconds for `payload` to go to an echo server through `socket` and all of it to come back. */
export async function roundTrip(socket: Socket, payload: Buffer): Promise<number> {
  const started = performance.now();
  const back = readBytes(socket, payload.length);
  socket.write(payload);
  await back;
  return performance.now() - started;
}
