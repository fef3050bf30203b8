// The UDP extension: a proxy created with "protocol": "udp" takes the UDP faults as toxics.
import { once } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import type { UdpSession } from '../../../proxy/udp.ts';
import { expectedOut, numbered, udpPeer, useUdpCleanup, type Peer } from '../../helpers/udp.ts';
import { api, portOf, useServe, type Control } from './fixture.ts';

const serve = useServe();
const cleanup = useUdpCleanup();

const COUNT = 400;
const WINDOW = 50;

/**
 * Send COUNT numbered datagrams through proxy `name`, a window at a time, waiting until the
 * proxy has read each window (its trace says so) so no kernel buffer overflows and every loss
 * is the toxic's doing; resolves once the server got everything the proxy sent.
 */
async function sendThrough(control: Control, name: string, port: number, client: Peer, server: Peer): Promise<UdpSession> {
  const opened = once(control.server.registry.get(name), 'connection') as Promise<[UdpSession]>;
  client.send(numbered(0, 64), port);
  const [session] = await opened;
  for (let sent = 1; sent < COUNT; ) {
    const end = Math.min(COUNT, sent + WINDOW);
    for (; sent < end; sent++) client.send(numbered(sent, 64), port);
    const want = sent;
    await vi.waitFor(
      () => {
        if (session.upstream.trace.totals.chunksIn < want) throw new Error(`proxy read ${session.upstream.trace.totals.chunksIn} of ${want}`);
      },
      { timeout: 10_000, interval: 1 },
    );
  }
  await server.receivedCount(expectedOut(session.upstream));
  return session;
}

async function lossyProxy(seed: number): Promise<{ control: Control; delivered: number; server: Peer }> {
  const server = await cleanup.peer(udpPeer());
  const client = await cleanup.peer(udpPeer());
  const control = await serve.start(seed);
  const created = await api(control.url, 'POST', '/proxies', { name: 'lossy', protocol: 'udp', upstream: `127.0.0.1:${server.port}` });
  expect(created.status).toBe(201);
  expect(created.json.protocol).toBe('udp');
  const toxic = await api(control.url, 'POST', '/proxies/lossy/toxics', { type: 'drop', stream: 'upstream', attributes: { rate: 0.3 } });
  expect(toxic.json).toEqual({ name: 'drop_upstream', type: 'drop', stream: 'upstream', toxicity: 1, attributes: { rate: 0.3 } });
  const session = await sendThrough(control, 'lossy', portOf(created.json.listen), client, server);
  expect(session.upstream.trace.totals.chunksOut).toBe(server.received.length);
  return { control, delivered: server.received.length, server };
}

describe('wirefault serve: UDP proxies', () => {
  it('a drop toxic of rate 0.3 loses about 30% of the datagrams, the same ones for the same seed', async () => {
    const { control, delivered } = await lossyProxy(21);
    // Binomial(400, 0.7): mean 280, sd 9.2; the seed fixes the outcome, these bounds are 5 sd.
    expect(delivered).toBeGreaterThanOrEqual(234);
    expect(delivered).toBeLessThanOrEqual(326);

    const metrics = await (await fetch(`${control.url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`toxiproxy_proxy_received_bytes_total\\{direction="upstream"[^}]*proxy="lossy"[^}]*\\} ${COUNT * 64}\\n`));
    expect(metrics).toMatch(new RegExp(`toxiproxy_proxy_sent_bytes_total\\{direction="upstream"[^}]*proxy="lossy"[^}]*\\} ${delivered * 64}\\n`));

    expect((await lossyProxy(21)).delivered).toBe(delivered);
  });

  it('takes latency and the UDP faults, refuses TCP-only toxic types', async () => {
    const control = await serve.start();
    await api(control.url, 'POST', '/proxies', { name: 'u', protocol: 'udp', upstream: '127.0.0.1:9' });
    for (const ok of [
      { type: 'latency', attributes: { latency: 5 } },
      { type: 'bandwidth', attributes: { rate: 10 } },
      { type: 'duplicate', attributes: { rate: 0.1 } },
      { type: 'reorder', attributes: { rate: 0.1 } },
      { type: 'truncate', attributes: { max_bytes: 100 } },
    ]) {
      expect((await api(control.url, 'POST', '/proxies/u/toxics', ok)).status, ok.type).toBe(200);
    }
    for (const tcpOnly of ['slicer', 'limit_data', 'timeout', 'reset_peer', 'split', 'coalesce']) {
      const r = await api(control.url, 'POST', '/proxies/u/toxics', { type: tcpOnly, attributes: { average_size: 5 } });
      expect(r.json, tcpOnly).toEqual({ error: 'invalid toxic type', status: 400 });
    }
    const change = await api(control.url, 'PATCH', '/proxies/u', { protocol: 'tcp' });
    expect(change.status).toBe(400);
  });

  it('a toxic added while a client talks applies to its next datagrams', async () => {
    const server = await cleanup.peer(udpPeer((d) => d));
    const client = await cleanup.peer(udpPeer());
    const control = await serve.start(5);
    const created = await api(control.url, 'POST', '/proxies', { name: 'echo', protocol: 'udp', upstream: `127.0.0.1:${server.port}` });
    const port = portOf(created.json.listen);
    client.send(Buffer.from('hello'), port);
    expect((await client.next()).toString()).toBe('hello');
    await api(control.url, 'POST', '/proxies/echo/toxics', { type: 'truncate', attributes: { max_bytes: 3 } });
    client.send(Buffer.from('hello again'), port);
    expect((await client.next()).toString()).toBe('hel');
  });
});
