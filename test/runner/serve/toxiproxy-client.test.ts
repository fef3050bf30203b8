// toxiproxy-node-client, an independent Toxiproxy client, drives `wirefault serve`; peers check the effects.
import { once } from 'node:events';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { Toxiproxy, type ICreateToxicBody } from 'toxiproxy-node-client';
import { collect, echoServer, pattern, readBytes, useCleanup } from '../../helpers/net.ts';
import { portOf, roundTrip, useServe } from './fixture.ts';

const serve = useServe();
const cleanup = useCleanup();

async function setup() {
  const echo = await cleanup.server(echoServer());
  const control = await serve.start(7);
  const toxiproxy = new Toxiproxy(control.url);
  const proxy = await toxiproxy.createProxy({ name: 'echo', listen: '127.0.0.1:0', upstream: `127.0.0.1:${echo.port}` });
  return { echo, toxiproxy, proxy, port: portOf(proxy.listen) };
}

function toxic<T>(type: ICreateToxicBody<T>['type'], attributes: T, stream: 'upstream' | 'downstream' = 'downstream'): ICreateToxicBody<T> {
  return { name: `${type}_${stream}`, type, stream, toxicity: 1, attributes };
}

describe('wirefault serve driven by toxiproxy-node-client', () => {
  it('creates a proxy that carries traffic; latency adds its delay, an update changes it, removal ends it', async () => {
    const { proxy, port } = await setup();
    expect(port).toBeGreaterThan(0);
    expect(await roundTrip(await serve.connect(port), Buffer.from('plain'))).toBeGreaterThanOrEqual(0);

    const latency = await proxy.addToxic(toxic('latency', { latency: 300, jitter: 0 }));
    expect(latency.attributes).toEqual({ latency: 300, jitter: 0 });
    expect(await roundTrip(await serve.connect(port), Buffer.from('slow'))).toBeGreaterThanOrEqual(295);

    const updated = await latency.update({ ...latency.toJson(), attributes: { latency: 600, jitter: 0 } });
    expect(updated.attributes).toEqual({ latency: 600, jitter: 0 });
    expect((await proxy.getToxic('latency_downstream')).attributes).toEqual({ latency: 600, jitter: 0 });
    expect(await roundTrip(await serve.connect(port), Buffer.from('slower'))).toBeGreaterThanOrEqual(595);

    await updated.remove();
    // 600 ms is two orders of magnitude above a loopback round trip: not a tight bound.
    expect(await roundTrip(await serve.connect(port), Buffer.from('fast'))).toBeLessThan(600);
  });

  it('bandwidth limits the rate (KB/s, 1 KB = 1000 B)', async () => {
    const { proxy, port } = await setup();
    await proxy.addToxic(toxic('bandwidth', { rate: 50 }));
    // 20 000 bytes at 50 000 B/s: at least ~400 ms.
    expect(await roundTrip(await serve.connect(port), pattern(20_000))).toBeGreaterThanOrEqual(300);
  });

  it('slicer cuts one write into small pieces the peer reads one by one', async () => {
    const { proxy, port } = await setup();
    await proxy.addToxic(toxic('slicer', { average_size: 10, size_variation: 5, delay: 1000 }));
    const client = await serve.connect(port);
    const back = readBytes(client, 300);
    client.write(pattern(300));
    const { data, reads } = await back;
    expect(data.equals(pattern(300))).toBe(true);
    // 300 bytes in pieces of 5..15 bytes 1 ms apart: 20 or more pieces; even if a busy machine
    // glues some together, far more than the single read an unsliced write gives.
    expect(reads.length).toBeGreaterThanOrEqual(10);
    expect(Math.min(...reads)).toBeLessThanOrEqual(15);
  });

  it('limit_data closes the connection after the given bytes; removing it lets everything through', async () => {
    const { proxy, port } = await setup();
    const limit = await proxy.addToxic(toxic('limit_data', { bytes: 100 }));
    const client = await serve.connect(port);
    const got = collect(client);
    client.write(pattern(300));
    const result = await got;
    expect(result.data.equals(pattern(100))).toBe(true);
    expect(result.error).toBeUndefined();

    await limit.remove();
    const again = await serve.connect(port);
    const back = readBytes(again, 300);
    again.write(pattern(300));
    expect((await back).data.equals(pattern(300))).toBe(true);
  });

  it('reset_peer resets the connection after its timeout (ECONNRESET at the client)', async () => {
    const { proxy, port } = await setup();
    await proxy.addToxic(toxic('reset_peer', { timeout: 100 }));
    const started = performance.now();
    const client = await serve.connect(port);
    const result = await collect(client);
    expect(result.error?.code).toBe('ECONNRESET');
    expect(performance.now() - started).toBeGreaterThanOrEqual(95);
  });

  it('timeout swallows data and closes the connection after its timeout', async () => {
    const { proxy, port } = await setup();
    await proxy.addToxic(toxic('timeout', { timeout: 150 }, 'upstream'));
    const started = performance.now();
    const client = await serve.connect(port);
    const got = collect(client);
    client.write('anyone there?');
    const result = await got;
    expect(result.data.length).toBe(0);
    expect(result.error).toBeUndefined();
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
  });

  it('populate creates proxies that carry traffic; reset removes toxics and re-enables; disable/enable', async () => {
    const a = await cleanup.server(echoServer());
    const b = await cleanup.server(echoServer());
    const control = await serve.start(7);
    const toxiproxy = new Toxiproxy(control.url);
    const proxies = await toxiproxy.populate([
      { name: 'a', listen: '127.0.0.1:0', upstream: `127.0.0.1:${a.port}` },
      { name: 'b', listen: '127.0.0.1:0', upstream: `127.0.0.1:${b.port}` },
    ]);
    expect(Object.keys(proxies).sort()).toEqual(['a', 'b']);
    for (const p of Object.values(proxies)) {
      const client = await serve.connect(portOf(p.listen));
      const back = readBytes(client, 3);
      client.write(p.name.repeat(3));
      expect((await back).data.toString()).toBe(p.name.repeat(3));
    }
    expect(Object.keys(await toxiproxy.getAll()).sort()).toEqual(['a', 'b']);

    const proxyA = proxies.a!;
    const portA = portOf(proxyA.listen);
    await proxyA.addToxic(toxic('limit_data', { bytes: 1 }));
    const down = await proxyA.update({ enabled: false, listen: proxyA.listen, upstream: proxyA.upstream });
    expect(down.enabled).toBe(false);
    const refused = net.connect({ host: '127.0.0.1', port: portA });
    const [err] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
    expect(err.code).toBe('ECONNREFUSED');

    await toxiproxy.reset();
    const after = await toxiproxy.get('a');
    expect(after.enabled).toBe(true);
    expect(after.listen).toBe(proxyA.listen);
    const client = await serve.connect(portA);
    const back = readBytes(client, 200);
    client.write(pattern(200));
    expect((await back).data.equals(pattern(200))).toBe(true);

    const up = await (await toxiproxy.get('b')).update({ enabled: false, listen: proxies.b!.listen, upstream: proxies.b!.upstream });
    const again = await up.update({ enabled: true, listen: up.listen, upstream: up.upstream });
    expect(again.enabled).toBe(true);
    expect(await roundTrip(await serve.connect(portOf(again.listen)), Buffer.from('b'))).toBeGreaterThanOrEqual(0);

    expect(await toxiproxy.getVersion()).toContain('"version"');
  });
});
