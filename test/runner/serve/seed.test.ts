// Seeds that work: the same --seed (or per-proxy seed) gives the same slicer boundaries on every run.
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { TcpConnection } from '../../../proxy/tcp.ts';
import { echoServer, pattern, readBytes, useCleanup } from '../../helpers/net.ts';
import { api, portOf, useServe } from './fixture.ts';

const serve = useServe();
const cleanup = useCleanup();

/** Write sizes the proxy gave the client for one 400-byte echo through a slicer toxic. */
async function sliceSizes(serverSeed: number, proxySeed?: number): Promise<number[]> {
  const echo = await cleanup.server(echoServer());
  const control = await serve.start(serverSeed);
  const created = await api(control.url, 'POST', '/proxies', {
    name: 'sliced',
    upstream: `127.0.0.1:${echo.port}`,
    ...(proxySeed !== undefined ? { seed: proxySeed } : {}),
    toxics: [{ type: 'slicer', attributes: { average_size: 8, size_variation: 6 } }],
  });
  expect(created.status).toBe(201);
  const accepted = once(control.server.registry.get('sliced'), 'connection') as Promise<[TcpConnection]>;
  const client = await serve.connect(portOf(created.json.listen));
  const [conn] = await accepted;
  const back = readBytes(client, 400);
  client.write(pattern(400));
  expect((await back).data.equals(pattern(400))).toBe(true);
  return conn.downstream!.trace.outSizes();
}

describe('wirefault serve: seeds', () => {
  it('the same --seed gives the same boundaries, another seed other ones', async () => {
    const first = await sliceSizes(11);
    expect(first.length).toBeGreaterThan(20);
    expect(Math.max(...first)).toBeLessThanOrEqual(14);
    expect(await sliceSizes(11)).toEqual(first);
    expect(await sliceSizes(12)).not.toEqual(first);
  });

  it("a proxy's own seed wins over the server's", async () => {
    const own = await sliceSizes(1, 5);
    expect(await sliceSizes(2, 5)).toEqual(own);
    const created = await api((await serve.start(1)).url, 'POST', '/proxies', { name: 'x', upstream: '127.0.0.1:1', seed: 5 });
    expect(created.json.seed).toBe(5);
  });
});
