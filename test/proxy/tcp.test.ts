// TcpProxy: passthrough, forwarding of FIN and RST, survival of dead peers, and `probability`.
import { once } from 'node:events';
import net, { type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { TcpProxy } from '../../proxy/tcp.ts';
import {
  collect,
  connectionClosed,
  connectionFor,
  echoServer,
  nextConnection,
  pattern,
  readBytes,
  sha256,
  sinkServer,
  startServer,
  throughProxy,
  useCleanup,
} from '../helpers/net.ts';

/** One echo round trip through the proxy on a fresh client: proof that it still serves. */
async function serves(proxy: TcpProxy, port: number, cleanup: ReturnType<typeof useCleanup>): Promise<void> {
  const accepted = nextConnection(proxy);
  const client = await cleanup.connect(port);
  const conn = await accepted;
  const echoed = collect(client);
  client.end('still here');
  const got = await echoed;
  expect(got.error).toBeUndefined();
  expect(got.data.toString()).toBe('still here');
  await connectionClosed(proxy, conn);
}

describe('TcpProxy passthrough', () => {
  const cleanup = useCleanup();

  it('carries 4 MiB both ways unchanged, and forwards the FIN after the queued bytes', async () => {
    const { client, proxy, conn } = await throughProxy(cleanup, {});
    const payload = Buffer.alloc(4 * 1024 * 1024);
    for (let i = 0; i < payload.length; i += 4) payload.writeUInt32BE((i * 2246822519) >>> 0, i);
    const echoed = collect(client);
    client.end(payload);
    const got = await echoed;
    expect(got.error).toBeUndefined();
    expect(sha256(got.data)).toBe(sha256(payload));
    await connectionClosed(proxy, conn);
    expect(proxy.connections.size).toBe(0);
    expect(conn.upstream!.trace.totals.bytesOut).toBe(payload.length);
  });

  it('forwards a half-close: the server reads EOF and can still answer', async () => {
    const { server, client } = await throughProxy(cleanup, {}, { server: sinkServer((s) => s.once('end', () => s.end('answer'))) });
    const answer = collect(client);
    client.end('question');
    expect((await server.received()).data.toString()).toBe('question');
    expect((await answer).data.toString()).toBe('answer');
  });

  it('serves many connections at once, each with its own index', async () => {
    const server = await cleanup.server(echoServer());
    const { proxy, port } = await cleanup.proxy({}, server.port);
    const indices: number[] = [];
    proxy.on('connection', (c) => indices.push(c.index));
    const results = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const client = await cleanup.connect(port);
        const echoed = collect(client);
        client.end(pattern(1000 + i));
        return (await echoed).data.equals(pattern(1000 + i));
      }),
    );
    expect(results.every(Boolean)).toBe(true);
    expect([...indices].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('close() tears down live connections and stops listening', async () => {
    const server = await cleanup.server(echoServer());
    const { proxy, port } = await cleanup.proxy({}, server.port);
    const client = await cleanup.connect(port);
    const seen = collect(client);
    await proxy.close();
    expect((await seen).data.length).toBe(0); // the client reads EOF (or a reset), never hangs
    const refused = net.connect({ host: '127.0.0.1', port });
    const [err] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
    expect(err.code).toBe('ECONNREFUSED');
  });
});

describe('TcpProxy survives its peers', () => {
  const cleanup = useCleanup();

  it('an upstream that refuses closes that client only; a client after it works', async () => {
    // A port that refuses: bind it, then close it. It is reused for the live upstream below.
    const probe = await startServer(() => {});
    const port = probe.port;
    await probe.close();
    const { proxy, port: proxyPort } = await cleanup.proxy({}, port);
    const accepted = nextConnection(proxy);
    const client = await cleanup.connect(proxyPort);
    const conn = await accepted;
    const result = await collect(client);
    // Nothing was sent, so the proxy's close is a plain FIN.
    expect(result.error).toBeUndefined();
    expect(result.data.length).toBe(0);
    await connectionClosed(proxy, conn);
    expect(proxy.connections.size).toBe(0);

    // Now bring an upstream up on that very port: the same proxy must serve the next client.
    const revived = net.createServer({ allowHalfOpen: true }, (s) => s.pipe(s));
    revived.listen(port, '127.0.0.1');
    await once(revived, 'listening');
    try {
      await serves(proxy, proxyPort, cleanup);
    } finally {
      await new Promise<void>((r) => revived.close(() => r()));
    }
  });

  it('a client that resets mid-stream: the server gets ECONNRESET, the proxy serves on', async () => {
    const server = await cleanup.server(sinkServer((s) => s.pipe(s)));
    const { proxy, port } = await cleanup.proxy({}, server.port);
    const accepted = nextConnection(proxy);
    const client = await cleanup.connect(port);
    const conn = await accepted;
    client.write(pattern(5000));
    await readBytes(client, 5000); // the stream is live both ways
    client.resetAndDestroy();
    const serverSide = await server.received();
    expect(serverSide.data.equals(pattern(5000))).toBe(true);
    expect(serverSide.error?.code).toBe('ECONNRESET');
    await connectionClosed(proxy, conn);
    await serves(proxy, port, cleanup);
  });

  /** A proxy whose upstream's first connection meets `fate` on its first read; later ones echo. */
  async function firstUpstreamDies(fate: (s: Socket) => void) {
    let victim = true;
    const server = await cleanup.server(
      startServer((s) => {
        if (!victim) return void s.pipe(s);
        victim = false;
        s.once('data', () => fate(s));
      }),
    );
    const { proxy, port } = await cleanup.proxy({}, server.port);
    const accepted = nextConnection(proxy);
    const client = await cleanup.connect(port);
    const conn = await accepted;
    const seen = collect(client);
    client.write('hello');
    return { proxy, port, client, conn, result: await seen };
  }

  it('an upstream that resets mid-stream: the client gets ECONNRESET, the proxy serves on', async () => {
    const { proxy, port, conn, result } = await firstUpstreamDies((s) => s.resetAndDestroy());
    expect(result.error?.code).toBe('ECONNRESET');
    await connectionClosed(proxy, conn);
    await serves(proxy, port, cleanup);
  });

  it('an upstream that closes mid-stream: the client reads EOF, the connection ends, the proxy serves on', async () => {
    const { proxy, port, client, conn, result } = await firstUpstreamDies((s) => s.end('bye'));
    expect(result.error).toBeUndefined();
    expect(result.data.toString()).toBe('bye');
    client.end();
    await connectionClosed(proxy, conn);
    await serves(proxy, port, cleanup);
  });
});

describe('probability', () => {
  const cleanup = useCleanup();

  /**
   * Open `n` connections (10 at a time) through a proxy whose upstream drops the first byte with
   * `probability`; returns, per connection index, whether the drop applied.
   */
  async function applied(probability: number, seed: number, n: number): Promise<boolean[]> {
    // The server ends its side when the client does, so each connection closes completely.
    const server = await cleanup.server(sinkServer((s) => s.once('end', () => s.end())));
    const { proxy, port } = await cleanup.proxy({ upstream: [{ drop: { at: 0, bytes: 1, probability } }] }, server.port, seed);
    const result: boolean[] = [];
    for (let base = 0; base < n; base += 10) {
      await Promise.all(
        Array.from({ length: Math.min(10, n - base) }, async () => {
          const client = await cleanup.connect(port);
          const conn = await connectionFor(proxy, client);
          client.end('ab');
          await connectionClosed(proxy, conn);
          result[conn.index] = conn.upstream!.trace.totals.bytesDropped === 1;
        }),
      );
    }
    // What the servers read agrees with the trace.
    for (let i = 0; i < n; i++) {
      expect((await server.received(i)).data.length).toBeGreaterThanOrEqual(1);
    }
    return result;
  }

  it('probability 0: the fault never applies', async () => {
    const got = await applied(0, 1, 20);
    expect(got.filter(Boolean).length).toBe(0);
  });

  it('probability 0.5: about half the connections, the same ones for the same seed', async () => {
    const a = await applied(0.5, 9, 120);
    const count = a.filter(Boolean).length;
    // 120 fair draws: mean 60, sd ≈ 5.5; this window is about ±4 sd.
    expect(count).toBeGreaterThan(38);
    expect(count).toBeLessThan(82);
    expect(await applied(0.5, 9, 120)).toEqual(a);
    expect(await applied(0.5, 10, 120)).not.toEqual(a);
  });
});

describe('probability and the other faults of the chain', () => {
  const cleanup = useCleanup();

  /** The corrupted bytes of one connection whose chain starts with a fault that may not apply. */
  async function corruptedWith(probability: number): Promise<Buffer> {
    const chain = [{ drop: { at: 1e9, probability } }, { corrupt: { rate: 0.01 } }];
    const { server, client } = await throughProxy(cleanup, { upstream: chain }, { server: sinkServer(), seed: 77 });
    client.end(pattern(20_000));
    return (await server.received()).data;
  }

  it('whether an earlier fault applies does not change a later fault’s draws', async () => {
    const applied = await corruptedWith(1);
    const skipped = await corruptedWith(0);
    expect(applied.equals(pattern(20_000))).toBe(false);
    expect(skipped.equals(applied)).toBe(true);
  });
});
