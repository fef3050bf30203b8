// close as the peers see it: EOF after the bytes before the point; `half` keeps the other way open.
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { collect, connectionClosed, floodStalledServer, pattern, sinkServer, throughProxy, useCleanup } from '../../../helpers/net.ts';

describe('close', () => {
  const cleanup = useCleanup();

  it('half: true → the server reads EOF, then still writes, and the client reads its reply', async () => {
    const { server, client } = await throughProxy(
      cleanup,
      { upstream: [{ close: { after_bytes: 5, half: true } }] },
      {
        // Answers only once it has read EOF: proof that its own direction is still open.
        server: sinkServer((s) => s.once('end', () => s.end('reply after EOF'))),
      },
    );
    const clientSide = collect(client);
    client.write('hello world'); // " world" lies past the close point and is discarded
    const serverSide = await server.received();
    expect(serverSide.data.toString()).toBe('hello');
    expect(serverSide.error).toBeUndefined();
    const result = await clientSide;
    expect(result.error).toBeUndefined();
    expect(result.data.toString()).toBe('reply after EOF');
  });

  it('full close (after_bytes, downstream): the client reads the bytes before the point, then EOF; the server sees EOF', async () => {
    const { server, client, proxy, conn } = await throughProxy(cleanup, { downstream: [{ close: { after_bytes: 10 } }] });
    const got = collect(client);
    client.write(pattern(30));
    const result = await got;
    expect(result.error).toBeUndefined();
    expect(result.data.equals(pattern(10))).toBe(true);
    await connectionClosed(proxy, conn);
    const serverSocket = server.sockets[0]!;
    if (!serverSocket.readableEnded) await once(serverSocket, 'end');
    expect(serverSocket.readableEnded).toBe(true);
  });

  it('after_ms closes both ways at that time', async () => {
    const { server, client } = await throughProxy(cleanup, { upstream: [{ close: { after_ms: 30 } }] }, { server: sinkServer() });
    const start = performance.now();
    const result = await collect(client);
    expect(result.error).toBeUndefined();
    expect(performance.now() - start).toBeGreaterThanOrEqual(25);
    expect((await server.received()).error).toBeUndefined();
  });

  it('after_ms closes even when the receiver reads nothing: the other peer still gets its FIN', async () => {
    const result = await floodStalledServer(cleanup, { upstream: [{ close: { after_ms: 50 } }] });
    expect(result.error).toBeUndefined();
    expect(result.data.length).toBe(0);
  });
});
