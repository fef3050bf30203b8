// Toxic changes reach connections that are already open, as in Toxiproxy, without losing or reordering bytes.
import { describe, expect, it } from 'vitest';
import { collect, echoServer, pattern, readBytes, useCleanup } from '../../helpers/net.ts';
import { api, portOf, roundTrip, useServe } from './fixture.ts';

const serve = useServe();
const cleanup = useCleanup();

async function setup() {
  const echo = await cleanup.server(echoServer());
  const control = await serve.start(3);
  const created = await api(control.url, 'POST', '/proxies', { name: 'live', upstream: `127.0.0.1:${echo.port}` });
  return { control, port: portOf(created.json.listen) };
}

describe('wirefault serve: live toxics', () => {
  it('a latency toxic added, updated and removed acts on an open connection', async () => {
    const { control, port } = await setup();
    const client = await serve.connect(port);
    await roundTrip(client, Buffer.from('warm'));

    await api(control.url, 'POST', '/proxies/live/toxics', { type: 'latency', attributes: { latency: 250 } });
    expect(await roundTrip(client, Buffer.from('slow'))).toBeGreaterThanOrEqual(245);

    await api(control.url, 'PATCH', '/proxies/live/toxics/latency_downstream', { attributes: { latency: 400 } });
    expect(await roundTrip(client, Buffer.from('slower'))).toBeGreaterThanOrEqual(395);

    await api(control.url, 'DELETE', '/proxies/live/toxics/latency_downstream');
    // Far below the 400 ms the toxic added: not a tight bound.
    expect(await roundTrip(client, Buffer.from('fast'))).toBeLessThan(400);
  });

  it('limit_data and reset_peer added live end an open connection', async () => {
    const { control, port } = await setup();
    const limited = await serve.connect(port);
    await roundTrip(limited, Buffer.from('before'));
    await api(control.url, 'POST', '/proxies/live/toxics', { type: 'limit_data', attributes: { bytes: 10 } });
    const got = collect(limited);
    limited.write(pattern(50));
    expect((await got).data.equals(pattern(10))).toBe(true);
    await api(control.url, 'DELETE', '/proxies/live/toxics/limit_data_downstream');

    const reset = await serve.connect(port);
    await roundTrip(reset, Buffer.from('before'));
    const ended = collect(reset);
    await api(control.url, 'POST', '/proxies/live/toxics', { type: 'reset_peer', stream: 'upstream', attributes: { timeout: 0 } });
    expect((await ended).error?.code).toBe('ECONNRESET');
  });

  it('bytes held by a removed latency toxic are not overtaken by bytes sent after the removal', async () => {
    const { control, port } = await setup();
    const client = await serve.connect(port);
    await api(control.url, 'POST', '/proxies/live/toxics', { type: 'latency', stream: 'upstream', attributes: { latency: 200 } });
    const back = readBytes(client, 2000);
    client.write(pattern(2000).subarray(0, 1000));
    await api(control.url, 'DELETE', '/proxies/live/toxics/latency_upstream');
    client.write(pattern(2000).subarray(1000));
    expect((await back).data.equals(pattern(2000))).toBe(true);
  });

  it('keeps every byte in order while toxics come and go under a running transfer', async () => {
    const { control, port } = await setup();
    const client = await serve.connect(port);
    const total = 400_000;
    const payload = pattern(total);
    const back = readBytes(client, total);
    let sent = 0;
    // Write in slices while changing toxics between them, so swaps meet bytes in flight.
    const changes: [string, string, unknown][] = [
      ['POST', '/proxies/live/toxics', { type: 'slicer', attributes: { average_size: 700, size_variation: 300 } }],
      ['POST', '/proxies/live/toxics', { type: 'latency', stream: 'upstream', attributes: { latency: 5, jitter: 3 } }],
      ['POST', '/proxies/live/toxics', { type: 'coalesce', attributes: { bytes: 3000, window_ms: 2 } }],
      ['PATCH', '/proxies/live/toxics/slicer_downstream', { attributes: { average_size: 50, size_variation: 20 } }],
      ['POST', '/proxies/live/toxics', { type: 'bandwidth', stream: 'upstream', attributes: { rate: 20_000 } }],
      ['DELETE', '/proxies/live/toxics/latency_upstream', undefined],
      ['DELETE', '/proxies/live/toxics/coalesce_downstream', undefined],
      ['POST', '/reset', undefined],
    ];
    for (const [method, path, body] of changes) {
      const slice = payload.subarray(sent, sent + total / (changes.length + 1));
      client.write(slice);
      sent += slice.length;
      const r = await api(control.url, method, path, body);
      expect(r.status, `${method} ${path}`).toBeLessThan(300);
    }
    client.write(payload.subarray(sent));
    const { data } = await back;
    expect(data.length).toBe(total);
    expect(data.equals(payload)).toBe(true);
  });
});
