// blackhole as the peers see it: bytes vanish (the server reads none), and close_after_ms closes.
import { describe, expect, it } from 'vitest';
import { collect, connectionClosed, pattern, sinkServer, throughProxy, useCleanup } from '../../../helpers/net.ts';

describe('blackhole', () => {
  const cleanup = useCleanup();

  it('swallows everything from the start; close_after_ms then closes the connection', async () => {
    const { server, client, proxy, conn } = await throughProxy(
      cleanup,
      { upstream: [{ blackhole: { close_after_ms: 100 } }] },
      { server: sinkServer() },
    );
    const clientSide = collect(client);
    client.write(pattern(5000));
    const serverSide = await server.received();
    expect(serverSide.data.length).toBe(0);
    expect(serverSide.error).toBeUndefined();
    expect((await clientSide).error).toBeUndefined();
    await connectionClosed(proxy, conn);
    const totals = conn.upstream!.trace.totals;
    expect(totals.bytesOut).toBe(0);
    expect(totals.bytesDropped).toBe(totals.bytesIn);
  });

  it('after_bytes: the server reads the bytes before the point, then nothing', async () => {
    const { server, client } = await throughProxy(
      cleanup,
      { upstream: [{ blackhole: { after_bytes: 12, close_after_ms: 50 } }] },
      { server: sinkServer() },
    );
    client.write(pattern(3000));
    const serverSide = await server.received();
    expect(serverSide.data.equals(pattern(12))).toBe(true);
  });

  it('downstream: the client hears nothing back from an echo server', async () => {
    const { client, proxy, conn } = await throughProxy(cleanup, { downstream: [{ blackhole: { close_after_ms: 50 } }] });
    const got = collect(client);
    client.write('anyone there?');
    const result = await got;
    expect(result.data.length).toBe(0);
    await connectionClosed(proxy, conn);
    // The echo server did answer: the proxy read it and swallowed it.
    expect(conn.downstream!.trace.totals.bytesDropped).toBe(conn.downstream!.trace.totals.bytesIn);
  });
});
