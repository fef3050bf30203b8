// Not an open proxy: whatever a client sends — an HTTP CONNECT, a SOCKS4/5 greeting, an HTTP
// request with an absolute URI naming another host — reaches the configured target verbatim and
// nothing else is ever dialled. And `wirefault proxy` binds to loopback unless told otherwise.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.ts';
import { collect, sinkServer, startServer, useCleanup } from '../helpers/net.ts';
import { udpPeer, useUdpCleanup } from '../helpers/udp.ts';
import { spawnTaggedCli, within, type TaggedCli } from './support.ts';

/** Requests that ask a proxy to go somewhere else; `{port}` is the decoy's port. */
function requests(decoy: number): Record<string, Buffer> {
  const socks5Connect = Buffer.from([0x05, 0x01, 0x00, 0x05, 0x01, 0x00, 0x01, 127, 0, 0, 1, decoy >> 8, decoy & 0xff]);
  return {
    'HTTP CONNECT': Buffer.from(`CONNECT 127.0.0.1:${decoy} HTTP/1.1\r\nHost: 127.0.0.1:${decoy}\r\n\r\n`),
    'HTTP absolute URI': Buffer.from(`GET http://127.0.0.1:${decoy}/secret HTTP/1.1\r\nHost: 127.0.0.1:${decoy}\r\nProxy-Connection: keep-alive\r\n\r\n`),
    // SOCKS5: greeting (no auth) then CONNECT 127.0.0.1:decoy, sent back to back.
    'SOCKS5 CONNECT': socks5Connect,
    // SOCKS4: CONNECT 127.0.0.1:decoy, user "x".
    'SOCKS4 CONNECT': Buffer.from([0x04, 0x01, decoy >> 8, decoy & 0xff, 127, 0, 0, 1, 0x78, 0x00]),
    // SOCKS4a: the host by name.
    'SOCKS4a CONNECT': Buffer.concat([Buffer.from([0x04, 0x01, decoy >> 8, decoy & 0xff, 0, 0, 0, 1, 0x00]), Buffer.from('localhost\0')]),
  };
}

describe('TcpProxy relays only to its target', () => {
  const cleanup = useCleanup();

  it('CONNECT, SOCKS4/4a/5 and absolute-URI requests reach the target verbatim; a decoy sees nothing', async () => {
    let decoyHits = 0;
    const decoy = await cleanup.server(startServer(() => decoyHits++));
    // The target reads until EOF, then answers; the client must get exactly that answer.
    const target = await cleanup.server(sinkServer((s) => s.once('end', () => s.end('target here'))));
    // A split on both ways: the proxy cuts the bytes up but never reads meaning into them.
    const { proxy, port } = await cleanup.proxy(
      { upstream: [{ split: { min: 1, max: 9 } }], downstream: [{ split: { min: 1, max: 3 } }] },
      target.port,
    );
    let proxied = 0;
    proxy.on('connection', () => proxied++);
    const cases = Object.entries(requests(decoy.port));
    for (const [i, [name, bytes]] of cases.entries()) {
      const client = await cleanup.connect(port);
      const answer = collect(client);
      client.end(bytes);
      const got = await within(5_000, name, target.received(i));
      expect(got.data.equals(bytes), name).toBe(true);
      const back = await within(5_000, `${name}: answer`, answer);
      // No "200 Connection established", no SOCKS reply: only what the target said.
      expect(back.data.toString(), name).toBe('target here');
    }
    expect(proxied).toBe(cases.length);
    expect(target.sockets.length).toBe(cases.length); // one upstream connection per client, to the target
    expect(decoyHits).toBe(0);
  });
});

describe('UdpProxy relays only to its target', () => {
  const cleanup = useUdpCleanup();

  it('a SOCKS5 UDP-associate datagram naming a decoy goes to the target verbatim; the decoy gets nothing', async () => {
    const decoy = await cleanup.peer(udpPeer());
    const target = await cleanup.peer(udpPeer((d) => Buffer.concat([Buffer.from('target:'), d])));
    const { port } = await cleanup.proxy({}, target.port);
    const client = await cleanup.peer(udpPeer());
    // RSV RSV FRAG ATYP=1 127.0.0.1 decoy-port, then the payload a SOCKS relay would forward.
    const dgramReq = Buffer.concat([
      Buffer.from([0, 0, 0, 1, 127, 0, 0, 1, decoy.port >> 8, decoy.port & 0xff]),
      Buffer.from('to the decoy, please'),
    ]);
    client.send(dgramReq, port);
    expect((await within(5_000, 'target datagram', target.next())).equals(dgramReq)).toBe(true);
    expect((await within(5_000, 'answer', client.next())).equals(Buffer.concat([Buffer.from('target:'), dgramReq]))).toBe(true);
    expect(decoy.received).toHaveLength(0);
  });
});

describe('wirefault proxy listens on loopback by default', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'wirefault-open-proxy-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const children: TaggedCli[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) c.killAll();
  });

  for (const protocol of ['tcp', 'udp'] as const) {
    it(`${protocol}: no --listen and no proxy.listen binds 127.0.0.1, and the kernel agrees`, async () => {
      const file = path.join(tmp, `${protocol}.yaml`);
      const pair = protocol === 'tcp' ? 'echo' : 'udp-echo';
      writeFileSync(file, `protocol: ${protocol}\npair: { builtin: ${pair} }\nproxy: { target: 127.0.0.1:9 }\n`);
      const cli = spawnTaggedCli(BIN, ['proxy', file, '--log-level', 'warn'], tmp);
      children.push(cli);
      const ready = JSON.parse(await within(15_000, 'ready line', cli.line((l) => l.startsWith('{')))) as Record<string, string>;
      expect(ready.listening).toMatch(/^127\.0\.0\.1:\d+$/);
      const port = Number(ready.listening!.split(':')[1]);
      // The kernel's own table (this network namespace): the socket on that port is bound to
      // 127.0.0.1 (hex 0100007F), not to 0.0.0.0 or [::].
      expect(boundAddresses(protocol, port)).toEqual(['0100007F']);
      process.kill(cli.pgid, 'SIGTERM');
      expect(await within(10_000, 'exit', cli.exit), cli.stderr()).toBe(0);
    }, 30_000);
  }
});

/** Local addresses (hex, as in /proc/net) of sockets bound to `port`: listening TCP, or UDP. */
function boundAddresses(protocol: 'tcp' | 'udp', port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const found: string[] = [];
  for (const table of [protocol, `${protocol}6`]) {
    let text = '';
    try {
      text = readFileSync(`/proc/net/${table}`, 'utf8');
    } catch {
      continue; // no IPv6 table on this machine
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 4) continue;
      const [addr, p] = cols[1]!.split(':');
      // TCP: state 0A is LISTEN (client sockets to this port do not count). UDP: any bound socket.
      if (p === hexPort && (protocol === 'udp' || cols[3] === '0A')) found.push(addr!);
    }
  }
  return found;
}
