// `wirefault serve` HTTP API with plain fetch: status codes and error bodies, populate, reset, metrics.
import { once } from 'node:events';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { collect, echoServer, pattern, readBytes, sinkServer, useCleanup } from '../../helpers/net.ts';
import { api, portOf, useServe } from './fixture.ts';

const serve = useServe();
const cleanup = useCleanup();

async function withProxy(name = 'db') {
  const echo = await cleanup.server(echoServer());
  const control = await serve.start();
  const created = await api(control.url, 'POST', '/proxies', { name, upstream: `127.0.0.1:${echo.port}` });
  expect(created.status).toBe(201);
  return { control, echo, port: portOf(created.json.listen as string) };
}

describe('wirefault serve: errors', () => {
  it('answers 400 for a bad body, a missing field, an invalid stream or toxic type, with Toxiproxy texts', async () => {
    const { control } = await withProxy();
    const bad = await api(control.url, 'POST', '/proxies', '{not json');
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ status: 400 });
    expect(bad.json.error).toMatch(/^bad request body: /);

    const empty = await api(control.url, 'POST', '/proxies', '');
    expect(empty.json).toEqual({ error: 'bad request body: EOF', status: 400 });

    const noName = await api(control.url, 'POST', '/proxies', { upstream: '127.0.0.1:1' });
    expect(noName.json).toEqual({ error: 'missing required field: name', status: 400 });
    const noUpstream = await api(control.url, 'POST', '/proxies', { name: 'x' });
    expect(noUpstream.json).toEqual({ error: 'missing required field: upstream', status: 400 });

    const stream = await api(control.url, 'POST', '/proxies/db/toxics', { type: 'latency', stream: 'sideways' });
    expect(stream.json).toEqual({ error: 'stream was invalid, can be either upstream or downstream', status: 400 });
    const type = await api(control.url, 'POST', '/proxies/db/toxics', { type: 'teleport' });
    expect(type.json).toEqual({ error: 'invalid toxic type', status: 400 });
    for (const inherited of ['toString', 'constructor', '__proto__']) {
      const proto = await api(control.url, 'POST', '/proxies/db/toxics', { type: inherited });
      expect(proto.json, inherited).toEqual({ error: 'invalid toxic type', status: 400 });
    }

    const attr = await api(control.url, 'POST', '/proxies/db/toxics', { type: 'latency', attributes: { latency: 'slow' } });
    expect(attr.status).toBe(400);
    expect(attr.json.error).toMatch(/^bad request body: attributes\.latency: /);
    const ours = await api(control.url, 'POST', '/proxies/db/toxics', { type: 'split', attributes: { min: 5, gap: 1 } });
    expect(ours.status).toBe(400);
    expect(ours.json.error).toContain('attributes.gap');
    const toxicity = await api(control.url, 'POST', '/proxies/db/toxics', { type: 'latency', toxicity: 2 });
    expect(toxicity.status).toBe(400);
    // Nothing was added by the rejected requests.
    expect((await api(control.url, 'GET', '/proxies/db/toxics')).json).toEqual([]);
  });

  it('answers 404 for an unknown proxy or toxic and 409 for a duplicate proxy or toxic', async () => {
    const { control, echo } = await withProxy();
    for (const [method, path] of [
      ['GET', '/proxies/nope'],
      ['DELETE', '/proxies/nope'],
      ['PATCH', '/proxies/nope'],
      ['GET', '/proxies/nope/toxics'],
      ['POST', '/proxies/nope/toxics'],
    ] as const) {
      const r = await api(control.url, method, path, method === 'PATCH' || method === 'POST' ? { type: 'noop' } : undefined);
      expect(r.json, `${method} ${path}`).toEqual({ error: 'proxy not found', status: 404 });
    }
    for (const method of ['GET', 'PATCH', 'DELETE']) {
      const r = await api(control.url, method, '/proxies/db/toxics/nope', method === 'PATCH' ? {} : undefined);
      expect(r.json, method).toEqual({ error: 'toxic not found', status: 404 });
    }
    const dup = await api(control.url, 'POST', '/proxies', { name: 'db', upstream: `127.0.0.1:${echo.port}` });
    expect(dup.json).toEqual({ error: 'proxy already exists', status: 409 });

    const first = await api(control.url, 'POST', '/proxies/db/toxics', { type: 'latency', attributes: { latency: 5 } });
    expect(first.status).toBe(200);
    expect(first.json).toEqual({
      name: 'latency_downstream',
      type: 'latency',
      stream: 'downstream',
      toxicity: 1,
      attributes: { latency: 5, jitter: 0 },
    });
    // Toxic names are unique across both streams.
    const again = await api(control.url, 'POST', '/proxies/db/toxics', { name: 'latency_downstream', type: 'noop', stream: 'upstream' });
    expect(again.json).toEqual({ error: 'toxic already exists', status: 409 });

    expect((await api(control.url, 'GET', '/nowhere')).status).toBe(404);
    expect((await api(control.url, 'PUT', '/proxies')).status).toBe(405);
  });

  it('refuses a browser (User-Agent Mozilla/...) with 403 and changes nothing', async () => {
    const { control } = await withProxy();
    const browser = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0' };
    const get = await api(control.url, 'GET', '/proxies', undefined, browser);
    expect(get.status).toBe(403);
    expect(get.json).toEqual({ error: 'User agent not allowed', status: 403 });
    const del = await api(control.url, 'DELETE', '/proxies/db', undefined, browser);
    expect(del.status).toBe(403);
    expect((await api(control.url, 'GET', '/proxies/db')).status).toBe(200);
  });

  it('answers 500 when a proxy cannot bind its listen address, and does not add it', async () => {
    const { control, port } = await withProxy();
    const clash = await api(control.url, 'POST', '/proxies', { name: 'clash', listen: `127.0.0.1:${port}`, upstream: '127.0.0.1:1' });
    expect(clash.status).toBe(500);
    expect(clash.json.error).toContain('EADDRINUSE');
    expect((await api(control.url, 'GET', '/proxies/clash')).status).toBe(404);
  });
});

describe('wirefault serve: proxies', () => {
  it('reports the bound port of listen :0, lists proxies by name, and a version', async () => {
    const { control, port } = await withProxy();
    expect(port).toBeGreaterThan(0);
    const all = await api(control.url, 'GET', '/proxies');
    expect(Object.keys(all.json)).toEqual(['db']);
    expect(all.json.db).toMatchObject({ name: 'db', listen: `127.0.0.1:${port}`, enabled: true, toxics: [] });
    const version = await api(control.url, 'GET', '/version');
    expect(version.json.version).toMatch(/^2\./);
  });

  it('enabled:false closes the listener and open connections; enabling binds the same port again', async () => {
    const { control, port } = await withProxy();
    const open = await serve.connect(port);
    const ended = collect(open);
    const down = await api(control.url, 'PATCH', '/proxies/db', { enabled: false });
    expect(down.json.enabled).toBe(false);
    await ended;
    const refused = net.connect({ host: '127.0.0.1', port });
    const [err] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
    expect(err.code).toBe('ECONNREFUSED');

    const up = await api(control.url, 'POST', '/proxies/db', { enabled: true });
    expect(up.json).toMatchObject({ enabled: true, listen: `127.0.0.1:${port}` });
    const client = await serve.connect(port);
    const back = readBytes(client, 5);
    client.write('hello');
    expect((await back).data.toString()).toBe('hello');
  });

  it('DELETE removes the proxy and closes its listener', async () => {
    const { control, port } = await withProxy();
    expect((await api(control.url, 'DELETE', '/proxies/db')).status).toBe(204);
    expect((await api(control.url, 'GET', '/proxies')).json).toEqual({});
    const refused = net.connect({ host: '127.0.0.1', port });
    const [err] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
    expect(err.code).toBe('ECONNREFUSED');
  });

  it('populate creates a list (201), keeps an unchanged proxy with its toxics, replaces a changed one', async () => {
    const a = await cleanup.server(echoServer());
    const b = await cleanup.server(echoServer());
    const control = await serve.start();
    const list = [
      { name: 'a', listen: '127.0.0.1:0', upstream: `127.0.0.1:${a.port}` },
      { name: 'b', listen: '127.0.0.1:0', upstream: `127.0.0.1:${b.port}`, enabled: false },
    ];
    const first = await api(control.url, 'POST', '/populate', list);
    expect(first.status).toBe(201);
    expect(first.json.proxies.map((p: { name: string; enabled: boolean }) => [p.name, p.enabled])).toEqual([
      ['a', true],
      ['b', false],
    ]);
    const portA = portOf(first.json.proxies[0].listen);
    await api(control.url, 'POST', '/proxies/a/toxics', { type: 'limit_data', attributes: { bytes: 3 } });

    const again = await api(control.url, 'POST', '/populate', [list[0], { ...list[1], upstream: `127.0.0.1:${a.port}` }]);
    expect(again.status).toBe(201);
    const [keptA, newB] = again.json.proxies;
    expect(keptA.listen).toBe(`127.0.0.1:${portA}`);
    expect(keptA.toxics).toHaveLength(1);
    expect(newB.upstream).toBe(`127.0.0.1:${a.port}`);

    // The kept proxy still cuts the stream after 3 bytes.
    const client = await serve.connect(portA);
    const got = collect(client);
    client.write('abcdef');
    expect((await got).data.toString()).toBe('abc');

    const invalid = await api(control.url, 'POST', '/populate', [{ name: 'c', upstream: '127.0.0.1:1' }, { upstream: '127.0.0.1:1' }]);
    expect(invalid.status).toBe(400);
    expect(invalid.json.error).toBe('missing required field: name at proxy 2');
    expect((await api(control.url, 'GET', '/proxies/c')).status).toBe(404);
  });

  it('reset enables every proxy and removes every toxic', async () => {
    const { control, port } = await withProxy();
    await api(control.url, 'POST', '/proxies/db/toxics', { type: 'limit_data', attributes: { bytes: 1 } });
    await api(control.url, 'POST', '/proxies/db/toxics', { type: 'corrupt', stream: 'upstream', attributes: { rate: 1 } });
    await api(control.url, 'PATCH', '/proxies/db', { enabled: false });
    expect((await api(control.url, 'POST', '/reset')).status).toBe(204);
    const db = (await api(control.url, 'GET', '/proxies/db')).json;
    expect(db).toMatchObject({ enabled: true, toxics: [] });
    const client = await serve.connect(port);
    const back = readBytes(client, 1000);
    client.write(pattern(1000));
    expect((await back).data.equals(pattern(1000))).toBe(true);
  });
});

describe('wirefault serve: slow_close', () => {
  it('delivers the data at once and holds the FIN for delay ms', async () => {
    const { control, port } = await withProxy();
    const created = await api(control.url, 'POST', '/proxies/db/toxics', { type: 'slow_close', attributes: { delay: 150 } });
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({ name: 'slow_close_downstream', type: 'slow_close', attributes: { delay: 150 } });
    const client = await serve.connect(port);
    const got = collect(client);
    const sent = performance.now();
    client.end(pattern(100));
    const result = await got;
    expect(result.data.equals(pattern(100))).toBe(true);
    expect(performance.now() - sent).toBeGreaterThanOrEqual(140); // a lower bound only
  });
});

describe('wirefault serve: metrics', () => {
  it('counts bytes received and sent per proxy and direction, in Prometheus text', async () => {
    // The server answers once the client's bytes are all in, so both directions' counts are known.
    const server = await cleanup.server(sinkServer((s) => s.once('end', () => s.end(pattern(3000)))));
    const control = await serve.start();
    const created = await api(control.url, 'POST', '/proxies', { name: 'm"x', upstream: `127.0.0.1:${server.port}` });
    const port = portOf(created.json.listen);
    // Downstream keeps only 1000 of the server's 3000 bytes.
    await api(control.url, 'POST', `/proxies/${encodeURIComponent('m"x')}/toxics`, { type: 'limit_data', attributes: { bytes: 1000 } });
    const client = await serve.connect(port);
    const got = collect(client);
    client.end(pattern(500));
    expect((await got).data.length).toBe(1000);

    const res = await fetch(`${control.url}/metrics`);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    const value = (metric: string, direction: string): number => {
      const line = text.split('\n').find((l) => l.startsWith(`${metric}{direction="${direction}"`) && l.includes('proxy="m\\"x"'));
      return Number(line?.split(' ').pop());
    };
    expect(text).toContain('# TYPE toxiproxy_proxy_received_bytes_total counter');
    expect(value('toxiproxy_proxy_received_bytes_total', 'upstream')).toBe(500);
    expect(value('toxiproxy_proxy_sent_bytes_total', 'upstream')).toBe(500);
    expect(value('toxiproxy_proxy_sent_bytes_total', 'downstream')).toBe(1000);
    expect(value('toxiproxy_proxy_received_bytes_total', 'downstream')).toBeGreaterThanOrEqual(1000);
    expect(text).toContain(`listener="127.0.0.1:${port}"`);
  });
});
