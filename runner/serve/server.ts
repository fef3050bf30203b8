// The control server of `wirefault serve`: node:http in front of the routes, owner of every proxy.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { WirefaultError, type Address } from '../../proxy/index.ts';
import { ApiError, ERR_BAD_REQUEST_BODY, ERR_FORBIDDEN } from './api-error.ts';
import { ProxyRegistry } from './proxies.ts';
import { Routes, type ApiReply } from './routes.ts';

/** Request bodies are small JSON documents; anything larger is refused. */
const MAX_BODY = 1024 * 1024;

/** The API port could not be bound (in use, not permitted). Exit code 2. */
export class ServeListenError extends WirefaultError {
  constructor(address: string, reason: string) {
    super('ERR_SERVE_LISTEN', `cannot listen on ${address}: ${reason}`);
  }
}

export interface ControlServerOptions {
  host: string;
  port: number;
  /** Seeds every proxy that has no seed of its own. */
  seed: number;
  log: Logger;
}

function send(res: http.ServerResponse, reply: ApiReply): void {
  const headers: http.OutgoingHttpHeaders = { 'content-length': Buffer.byteLength(reply.body) };
  if (reply.contentType) headers['content-type'] = reply.contentType;
  res.writeHead(reply.status, headers);
  res.end(reply.body);
}

function errorReply(err: ApiError): ApiReply {
  return { status: err.status, body: `${JSON.stringify(err)}\n`, contentType: 'application/json' };
}

/** Read the whole body, or undefined once it passes MAX_BODY. */
async function readBody(req: http.IncomingMessage): Promise<string | undefined> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return undefined;
    parts.push(chunk as Buffer);
  }
  return Buffer.concat(parts).toString('utf8');
}

export class ControlServer {
  readonly registry: ProxyRegistry;
  private readonly routes: Routes;
  private readonly server: http.Server;
  private readonly log: Logger;

  constructor(private readonly opts: ControlServerOptions) {
    this.log = opts.log;
    this.registry = new ProxyRegistry({ seed: opts.seed, log: opts.log });
    this.routes = new Routes(this.registry);
    this.server = http.createServer((req, res) => void this.serve(req, res));
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = performance.now();
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0]!;
    let reply: ApiReply;
    try {
      // As Toxiproxy: a browser page must not be able to drive the server (no CORS, no CSRF).
      if ((req.headers['user-agent'] ?? '').startsWith('Mozilla/')) {
        req.resume();
        reply = errorReply(ERR_FORBIDDEN);
      } else {
        const body = await readBody(req);
        reply =
          body === undefined
            ? errorReply(ERR_BAD_REQUEST_BODY.with(`larger than ${MAX_BODY} bytes`))
            : await this.routes.handle({ method, path, body });
      }
    } catch (err) {
      this.log.error({ err, method, path }, 'request failed');
      reply = errorReply(new ApiError((err as Error).message, 500));
    }
    if (res.destroyed) return;
    send(res, reply);
    this.log.debug({ method, path, status: reply.status, ms: Math.round(performance.now() - started) }, 'request');
  }

  async listen(): Promise<Address> {
    const { host, port } = this.opts;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void =>
        reject(new ServeListenError(`${host}:${port}`, err.code ?? err.message));
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    this.server.on('error', (err) => this.log.error({ err }, 'control server error'));
    const a = this.server.address() as AddressInfo;
    return { host: a.address, port: a.port };
  }

  /** Stop answering, then stop every proxy and close their connections. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    // Keep-alive API connections would hold close() open; nothing more will be answered on them.
    this.server.closeAllConnections();
    await closed;
    // A request already taken may still be starting a proxy: let it finish, then stop them all.
    await this.routes.idle();
    await this.registry.close();
  }
}
