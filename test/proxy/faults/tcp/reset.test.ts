// reset as the peers see it: the bytes before the point, then ECONNRESET, at both ends.
import { describe, expect, it } from 'vitest';
import { collect, floodStalledServer, pattern, sinkServer, throughProxy, useCleanup } from '../../../helpers/net.ts';

describe('reset', () => {
  const cleanup = useCleanup();

  it('after_bytes (downstream): the client reads the bytes before the point, then ECONNRESET', async () => {
    const { client } = await throughProxy(cleanup, { downstream: [{ reset: { after_bytes: 10 } }] });
    const got = collect(client);
    client.write(pattern(25)); // echoed back; the proxy passes 10 of them, then resets
    const result = await got;
    expect(result.data.equals(pattern(10))).toBe(true);
    expect(result.error?.code).toBe('ECONNRESET');
  });

  it('after_bytes (upstream): the server reads the bytes before the point, then both peers get ECONNRESET', async () => {
    const { server, client } = await throughProxy(
      cleanup,
      { upstream: [{ reset: { after_bytes: 7 } }] },
      { server: sinkServer() },
    );
    const clientSide = collect(client);
    client.write(pattern(100));
    const serverSide = await server.received();
    expect(serverSide.data.equals(pattern(7))).toBe(true);
    expect(serverSide.error?.code).toBe('ECONNRESET');
    expect((await clientSide).error?.code).toBe('ECONNRESET');
  });

  it('after_bytes fires when exactly that many bytes have passed, without waiting for one more', async () => {
    const { client } = await throughProxy(cleanup, { downstream: [{ reset: { after_bytes: 10 } }] });
    const got = collect(client);
    client.write(pattern(10)); // the client then waits: no eleventh byte ever comes
    const result = await got;
    expect(result.data.equals(pattern(10))).toBe(true);
    expect(result.error?.code).toBe('ECONNRESET');
  });

  it('after_ms resets an idle connection at that time', async () => {
    const { client } = await throughProxy(cleanup, { upstream: [{ reset: { after_ms: 30 } }] });
    const start = performance.now();
    const result = await collect(client);
    expect(result.error?.code).toBe('ECONNRESET');
    // Measured from after the connect, so the full 30 ms (less a timer's early ms) must show.
    expect(performance.now() - start).toBeGreaterThanOrEqual(25);
  });

  it('after_ms resets even when the receiver reads nothing and bytes are stuck in the proxy', async () => {
    const result = await floodStalledServer(cleanup, { upstream: [{ reset: { after_ms: 50 } }] });
    expect(result.error?.code).toBe('ECONNRESET');
  });
});
