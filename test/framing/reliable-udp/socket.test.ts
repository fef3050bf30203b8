// Reliable UDP over real loopback sockets: a listener and clients, the transport's peer filter, real time.
import dgram from 'node:dgram';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import {
  LossyChannel,
  ReliableUdp,
  RudpListener,
  UdpTransport,
  connectReliableUdp,
} from '../../../framing/index.ts';
import { KIND_DATA, KIND_FIN, encodeData } from '../../../framing/reliable-udp/packet.ts';
import { numbered } from './sim.ts';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

const fast = { minRto: 30, initialRto: 100, lingerMs: 20 };

async function boundSocket(): Promise<dgram.Socket> {
  const socket = dgram.createSocket('udp4');
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  return socket;
}

describe('reliable UDP on real sockets', () => {
  it('serves two clients from one listener, echoing messages of up to 20 KB, then closes both ways', async () => {
    const listener = await RudpListener.listen(0, '127.0.0.1', fast);
    cleanup.push(() => listener.close());
    const served: Promise<void>[] = [];
    listener.on('connection', (conn) => {
      conn.on('message', (m) => conn.send(m));
      served.push(once(conn, 'close').then(() => undefined));
    });
    const { port } = listener.address();
    const clients = await Promise.all([connectReliableUdp('127.0.0.1', port, fast), connectReliableUdp('127.0.0.1', port, fast)]);
    const results = await Promise.all(
      clients.map(async (client, c) => {
        cleanup.push(() => client.destroy());
        const got: Buffer[] = [];
        const all = new Promise<void>((resolve) =>
          client.on('message', (m) => {
            got.push(m);
            if (got.length === 200) resolve();
          }),
        );
        for (let i = 0; i < 200; i++) client.send(numbered(i, 4 + ((i * 997 + c) % 20_000)));
        await all;
        await client.close();
        return got.every((m, i) => m.equals(numbered(i, 4 + ((i * 997 + c) % 20_000))));
      }),
    );
    expect(results).toEqual([true, true]);
    await Promise.all(served);
  });

  it('opens a connection only for the start of one, not for a stale FIN of an ended one', async () => {
    const listener = await RudpListener.listen(0, '127.0.0.1', fast);
    cleanup.push(() => listener.close());
    const [stale, fresh] = await Promise.all([boundSocket(), boundSocket()]);
    cleanup.push(() => stale.close(), () => fresh.close());
    const port = listener.address().port;
    const opened = once(listener, 'connection') as Promise<[ReliableUdp, { port: number }]>;
    // A FIN late in the sequence space that acknowledges data we never sent: the end of some older connection.
    stale.send(encodeData(KIND_FIN, { una: 77, wnd: 256, tsEcho: undefined }, 5000, 0, 1, Buffer.alloc(0)), port, '127.0.0.1');
    fresh.send(encodeData(KIND_DATA, { una: 0, wnd: 256, tsEcho: undefined }, 0, 0, 1, Buffer.from('hi')), port, '127.0.0.1');
    const [conn, peer] = await opened;
    cleanup.push(() => conn.destroy());
    expect(peer.port).toBe(fresh.address().port);
    expect(listener.connectionCount).toBe(1);
  });

  it('adopts the first sender as its peer and ignores datagrams from anyone else', async () => {
    const [server, peer, stranger] = await Promise.all([boundSocket(), boundSocket(), boundSocket()]);
    cleanup.push(() => peer.close(), () => stranger.close());
    const transport = new UdpTransport(server);
    cleanup.push(() => transport.close());
    const got: string[] = [];
    const third = new Promise<void>((resolve) =>
      transport.onMessage((d) => {
        got.push(d.toString());
        if (got.length === 2) resolve();
      }),
    );
    const port = server.address().port;
    peer.send('one', port, '127.0.0.1');
    await once(server, 'message');
    stranger.send('intruder', port, '127.0.0.1');
    await once(server, 'message');
    peer.send('two', port, '127.0.0.1');
    await third;
    expect(got).toEqual(['one', 'two']);
    expect(transport.remote?.port).toBe(peer.address().port);
    transport.send(Buffer.from('back'));
    const [reply] = (await once(peer, 'message')) as [Buffer];
    expect(reply.toString()).toBe('back');
  });

  it('runs over the lossy channel in real time', async () => {
    const channel = new LossyChannel({ seed: 12, loss: 0.2, duplicate: 0.05, delayMs: { min: 0, max: 3 } });
    cleanup.push(() => channel.close());
    const a = new ReliableUdp(channel.a, fast);
    const b = new ReliableUdp(channel.b, fast);
    cleanup.push(() => a.destroy(), () => b.destroy());
    const got: number[] = [];
    const done = new Promise<void>((resolve) =>
      b.on('message', (m) => {
        got.push(m.readUInt32BE(0));
        if (got.length === 300) resolve();
      }),
    );
    for (let i = 0; i < 300; i++) a.send(numbered(i, 1500));
    await done;
    await a.close();
    expect(got).toEqual(Array.from({ length: 300 }, (_, i) => i));
  });
});
