// Reliable UDP through wirefault's own UDP proxy: loss, duplication, reordering, corruption and truncation.
import { afterEach, describe, expect, it } from 'vitest';
import { RudpListener, connectReliableUdp, type FramingError, type ReliableUdpOptions } from '../../../framing/index.ts';
import { proxyConfig } from '../../../proxy/config.ts';
import { UdpProxy } from '../../../proxy/udp.ts';
import { numbered } from './sim.ts';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/** An echoing reliable-UDP server behind a UDP proxy with `chain` on both directions; returns the proxy's port. */
async function echoBehindProxy(chain: unknown[], opts: ReliableUdpOptions): Promise<number> {
  const listener = await RudpListener.listen(0, '127.0.0.1', opts);
  cleanup.push(() => listener.close());
  listener.on('connection', (conn) => {
    conn.on('error', () => {});
    conn.on('message', (m) => conn.send(m));
  });
  const proxy = new UdpProxy({
    config: proxyConfig({ upstream: chain, downstream: chain }, 'udp'),
    target: { host: '127.0.0.1', port: listener.address().port },
    seed: 11,
  });
  cleanup.push(() => proxy.close());
  return (await proxy.listen()).port;
}

describe('reliable UDP through the UDP proxy', () => {
  it('echoes 1000 messages exactly once and in order through drop, duplicate, reorder, corrupt and truncate', async () => {
    const chain = [
      { drop: { rate: 0.3 } },
      { duplicate: { rate: 0.05 } },
      { reorder: { rate: 0.1, gap: 3, hold_ms: 20 } },
      { corrupt: { rate: 0.02 } },
      { truncate: { max_bytes: 1000 } },
    ];
    // Datagrams stay under the truncation limit: 900 bytes of payload + 25 of header.
    const opts = { minRto: 30, initialRto: 100, lingerMs: 20, maxRetries: 20, maxPayload: 900 };
    const port = await echoBehindProxy(chain, opts);
    const client = await connectReliableUdp('127.0.0.1', port, opts);
    cleanup.push(() => client.destroy());
    const size = (i: number) => 4 + ((i * 37) % 6000);
    const wrong: number[] = [];
    let got = 0;
    const all = new Promise<void>((resolve, reject) => {
      client.on('error', reject);
      client.on('message', (m) => {
        if (!m.equals(numbered(got, size(got)))) wrong.push(got);
        if (++got === 1000) resolve();
      });
    });
    for (let i = 0; i < 1000; i++) client.send(numbered(i, size(i)));
    await all;
    await client.close();
    expect(wrong).toEqual([]);
    expect(client.stats.retransmissions).toBeGreaterThan(100);
    expect(client.stats.corruptReceived + client.stats.duplicatesReceived).toBeGreaterThan(10);
  });

  it('discards truncated datagrams rather than deliver them, and gives up with a clear error', async () => {
    const opts = { minRto: 20, initialRto: 20, maxRetries: 3 };
    const port = await echoBehindProxy([{ truncate: { max_bytes: 1000 } }], opts);
    const client = await connectReliableUdp('127.0.0.1', port, opts);
    cleanup.push(() => client.destroy());
    const delivered: Buffer[] = [];
    client.on('message', (m) => delivered.push(m));
    const failed = new Promise<FramingError>((resolve) => client.on('error', (e) => resolve(e as FramingError)));
    client.send(Buffer.alloc(5000, 1));
    expect((await failed).code).toBe('ERR_RUDP_GIVE_UP');
    expect(delivered).toEqual([]);
  });
});
