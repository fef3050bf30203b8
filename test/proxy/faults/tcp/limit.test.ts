// limit as the peers see it: exactly N bytes, then the connection closes.
import { describe, expect, it } from 'vitest';
import { collect, pattern, sinkServer, throughProxy, useCleanup } from '../../../helpers/net.ts';

describe('limit', () => {
  const cleanup = useCleanup();

  it('upstream: the server reads exactly N bytes, then EOF', async () => {
    const { server, client } = await throughProxy(cleanup, { upstream: [{ limit: { bytes: 1000 } }] }, { server: sinkServer() });
    client.write(pattern(50_000));
    const got = await server.received();
    expect(got.error).toBeUndefined();
    expect(got.data.equals(pattern(1000))).toBe(true);
  });

  it('downstream: the client reads exactly N echoed bytes, then EOF', async () => {
    const { client } = await throughProxy(cleanup, { downstream: [{ limit: { bytes: 10 } }] });
    const got = collect(client);
    client.write(pattern(30));
    const result = await got;
    expect(result.error).toBeUndefined();
    expect(result.data.equals(pattern(10))).toBe(true);
  });

  it('closes once exactly N bytes have passed, without waiting for one more', async () => {
    const { client } = await throughProxy(cleanup, { downstream: [{ limit: { bytes: 10 } }] });
    const got = collect(client);
    client.write(pattern(10));
    const result = await got;
    expect(result.data.equals(pattern(10))).toBe(true);
  });

  it('bytes: 0 closes at once without forwarding anything', async () => {
    const { server, client } = await throughProxy(cleanup, { upstream: [{ limit: { bytes: 0 } }] }, { server: sinkServer() });
    client.write('never seen');
    const got = await server.received();
    expect(got.data.length).toBe(0);
  });
});
