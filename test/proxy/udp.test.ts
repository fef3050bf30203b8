// UdpProxy: sessions per client address, idle timeout, session cap, edge sizes, an unreachable upstream, determinism, bounds.
import dgram from 'node:dgram';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { Capture } from '../../proxy/capture.ts';
import { proxyConfig } from '../../proxy/config.ts';
import { UdpProxy, type SessionEnd, type UdpSession } from '../../proxy/udp.ts';
import {
  nextSession,
  numbered,
  numberedSeries,
  numbers,
  throughUpstream,
  udpEcho,
  udpPeer,
  useUdpCleanup,
} from '../helpers/udp.ts';

/** A pino logger whose lines are kept as parsed objects. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: 'debug' }, stream), lines };
}

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  s.bind(0, '127.0.0.1');
  await once(s, 'listening');
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('UdpProxy sessions', () => {
  const cleanup = useUdpCleanup();

  it('two clients at once each get their own replies, through their own session', async () => {
    const server = await cleanup.peer(udpEcho());
    const { proxy, port } = await cleanup.proxy({}, server.port);
    const a = await cleanup.peer(udpPeer());
    const b = await cleanup.peer(udpPeer());
    for (let i = 0; i < 50; i++) {
      a.send(Buffer.from(`a${i}`), port);
      b.send(Buffer.from(`b${i}`), port);
    }
    const [gotA, gotB] = await Promise.all([a.receivedCount(50), b.receivedCount(50)]);
    expect(gotA.map(String)).toEqual(Array.from({ length: 50 }, (_, i) => `a${i}`));
    expect(gotB.map(String)).toEqual(Array.from({ length: 50 }, (_, i) => `b${i}`));
    expect(proxy.sessions.size).toBe(2);
    const sessions = [...proxy.sessions.values()];
    expect(sessions.map((s) => s.index).sort()).toEqual([0, 1]);
    // Each session has its own upstream socket: the server saw two source ports.
    const ports = new Set(sessions.map((s) => s.socket.address().port));
    expect(ports.size).toBe(2);
    for (const s of sessions) expect(s.upstream.trace.totals.chunksIn).toBe(50);
  });

  it('an idle session is closed after idle_timeout_ms; the client then gets a new one', async () => {
    const server = await cleanup.peer(udpEcho());
    const { proxy, port } = await cleanup.proxy({ idle_timeout_ms: 80 }, server.port);
    const client = await cleanup.peer(udpPeer());
    const opened = nextSession(proxy);
    client.send(Buffer.from('hello'), port);
    const first = await opened;
    await client.next();
    const lastTraffic = performance.now();
    const [closed, why] = (await once(proxy, 'sessionClosed')) as [UdpSession, SessionEnd];
    expect(closed).toBe(first);
    expect(why).toBe('idle');
    expect(performance.now() - lastTraffic).toBeGreaterThanOrEqual(78);
    expect(proxy.sessions.size).toBe(0);
    expect(first.upstream.trace.events.at(-1)).toMatchObject({ kind: 'end', note: 'idle' });
    const reopened = nextSession(proxy);
    client.send(Buffer.from('again'), port);
    expect((await reopened).index).toBe(1);
    expect(String(await client.next())).toBe('again');
  });

  it('a datagram held longer than the idle timeout keeps its session open until delivered', async () => {
    const server = await cleanup.peer(udpEcho());
    const { proxy, port } = await cleanup.proxy({ idle_timeout_ms: 30, downstream: [{ delay: { ms: 120 } }] }, server.port);
    const client = await cleanup.peer(udpPeer());
    const opened = nextSession(proxy);
    let closedAt = 0;
    proxy.once('sessionClosed', () => (closedAt = performance.now()));
    client.send(Buffer.from('slow'), port);
    const session = await opened;
    expect(String(await client.next())).toBe('slow');
    // Delivered 120 ms after the reply came in, 4 timeouts later: the session was still there.
    expect(closedAt).toBe(0);
    expect(session.closed).toBe(false);
    await once(proxy, 'sessionClosed');
  });

  it('max_sessions holds: a new client is refused with a log line, existing ones keep working', async () => {
    const { log, lines } = capturingLogger();
    const server = await cleanup.peer(udpEcho());
    const { proxy, port } = await cleanup.proxy({ max_sessions: 2 }, server.port, { log });
    const [a, b, c] = [await cleanup.peer(udpPeer()), await cleanup.peer(udpPeer()), await cleanup.peer(udpPeer())];
    a.send(Buffer.from('a'), port);
    await a.next();
    b.send(Buffer.from('b'), port);
    await b.next();
    const refused = once(proxy, 'refused');
    c.send(Buffer.from('c1'), port);
    c.send(Buffer.from('c2'), port);
    expect((await refused)[0]).toEqual({ host: '127.0.0.1', port: c.port });
    // The existing sessions still answer; these replies come after c's datagrams were handled.
    a.send(Buffer.from('a2'), port);
    b.send(Buffer.from('b2'), port);
    expect(String(await a.next())).toBe('a2');
    expect(String(await b.next())).toBe('b2');
    expect(proxy.sessions.size).toBe(2);
    expect(proxy.refusedDatagrams).toBe(2);
    expect(c.received).toHaveLength(0);
    const warned = lines.filter((l) => l.msg === 'new client refused: max_sessions sessions are open');
    expect(warned).toHaveLength(1); // once per refused address, not once per datagram
    expect(warned[0]).toMatchObject({ level: 40, client: `127.0.0.1:${c.port}`, max_sessions: 2 });
  });

  it('close() ends every session and releases the port', async () => {
    const server = await cleanup.peer(udpEcho());
    const { proxy, port } = await cleanup.proxy({ upstream: [{ delay: { ms: 10_000 } }] }, server.port);
    const client = await cleanup.peer(udpPeer());
    const opened = nextSession(proxy);
    client.send(Buffer.from('held'), port);
    const session = await opened;
    const ends: SessionEnd[] = [];
    proxy.on('sessionClosed', (_s, why) => ends.push(why));
    await proxy.close();
    expect(ends).toEqual(['proxy closed']);
    expect(session.closed).toBe(true);
    expect(proxy.sessions.size).toBe(0);
    const again = dgram.createSocket('udp4');
    again.bind(port, '127.0.0.1');
    await once(again, 'listening');
    await new Promise<void>((r) => again.close(() => r()));
  });
});

describe('UdpProxy datagram sizes', () => {
  const cleanup = useUdpCleanup();

  const everyFault = [
    { drop: { rate: 0 } },
    { duplicate: { rate: 0 } },
    { reorder: { rate: 0 } },
    { delay: { ms: 1 } },
    { truncate: { max_bytes: 65535 } },
    { corrupt: { rate: 0 } },
    { throttle: { datagrams_per_sec: 10_000 } },
  ];

  for (const [name, chain] of [['no faults', []], ['every fault, passing all', everyFault]] as const) {
    it(`${name}: 0-byte and 65507-byte datagrams pass both ways, whole`, async () => {
      const server = await cleanup.peer(udpEcho());
      const { port } = await cleanup.proxy({ upstream: chain, downstream: chain }, server.port);
      const client = await cleanup.peer(udpPeer());
      const big = Buffer.alloc(65507);
      for (let i = 0; i < big.length; i++) big[i] = (i * 7) % 256;
      client.send(Buffer.alloc(0), port);
      expect(await client.next()).toHaveLength(0);
      client.send(big, port);
      expect((await client.next()).equals(big)).toBe(true);
      client.send(Buffer.alloc(0), port);
      expect(await client.next()).toHaveLength(0);
    });
  }

  it('corrupt at rate 1 leaves a 0-byte datagram alone and flips one bit of a 65507-byte one', async () => {
    const server = await cleanup.peer(udpPeer());
    const { port } = await cleanup.proxy({ upstream: [{ corrupt: { rate: 1 } }] }, server.port);
    const client = await cleanup.peer(udpPeer());
    const big = Buffer.alloc(65507, 0x55);
    client.send(Buffer.alloc(0), port);
    client.send(big, port);
    const [empty, flipped] = await server.receivedCount(2);
    expect(empty).toHaveLength(0);
    expect(flipped).toHaveLength(65507);
    expect(flipped!.equals(big)).toBe(false);
  });
});

describe('UdpProxy with an unreachable upstream', () => {
  const cleanup = useUdpCleanup();

  it('ICMP port unreachable is logged and the session keeps serving once the server is up', async () => {
    const { log, lines } = capturingLogger();
    const target = await closedPort();
    const { proxy, port } = await cleanup.proxy({}, target, { log });
    const client = await cleanup.peer(udpPeer());
    const failed = once(proxy, 'upstreamError');
    client.send(Buffer.from('anyone?'), port);
    const [session, err] = (await failed) as [UdpSession, NodeJS.ErrnoException];
    expect(err.code).toBe('ECONNREFUSED');
    expect(lines.find((l) => l.msg === 'upstream unreachable')).toMatchObject({ session: 0, dir: 'upstream', err: 'ECONNREFUSED' });
    // A second failure is counted, not logged at info again.
    const again = once(proxy, 'upstreamError');
    client.send(Buffer.from('still?'), port);
    await again;
    expect(lines.filter((l) => l.msg === 'upstream unreachable' && l.level === 30)).toHaveLength(1);

    // The server comes up on that very port: the same session now gets replies.
    const server = dgram.createSocket('udp4');
    server.on('message', (m, r) => server.send(m, r.port, r.address));
    server.bind(target, '127.0.0.1');
    await once(server, 'listening');
    try {
      client.send(Buffer.from('hello'), port);
      expect(String(await client.next())).toBe('hello');
      expect(proxy.sessions.get(`127.0.0.1:${client.port}`)).toBe(session);
      expect(session.upstreamErrors).toBe(2);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe('UdpProxy determinism and probability', () => {
  const cleanup = useUdpCleanup();
  const chain = [{ drop: { rate: 0.25, mean_burst: 2 } }, { duplicate: { rate: 0.2 } }];

  async function delivered(seed: number): Promise<number[]> {
    const { got } = await throughUpstream(cleanup, chain, numberedSeries(200), { seed });
    return numbers(got);
  }

  it('the same seed delivers the same datagram numbers (with the same copies); another seed differs', async () => {
    const first = await delivered(99);
    const second = await delivered(99);
    const other = await delivered(100);
    expect(second).toEqual(first);
    expect(other).not.toEqual(first);
    expect(first.length).toBeLessThan(200);
    expect(first.length).toBeGreaterThan(100);
  });

  it('a fault skipped by probability does not shift the draws of the faults after it', async () => {
    const sent = numberedSeries(200);
    const drop = { drop: { rate: 0.3 } };
    // drop sits second in both chains: the skipped duplicate and the no-op delay leave it alone.
    const skipped = await throughUpstream(cleanup, [{ duplicate: { rate: 1, probability: 0 } }, drop], sent, { seed: 5 });
    const noop = await throughUpstream(cleanup, [{ delay: { ms: 0 } }, drop], sent, { seed: 5 });
    expect(numbers(skipped.got)).toEqual(numbers(noop.got));
    expect(numbers(skipped.got).length).toBeLessThan(180);
  });

  it('probability 0 never applies a fault; each session draws whether it applies', async () => {
    const sent = numberedSeries(50);
    const { got } = await throughUpstream(cleanup, [{ drop: { rate: 1, probability: 0 } }], sent);
    expect(numbers(got)).toEqual(sent.map((_, i) => i));
  });
});

describe('UdpProxy memory bound', () => {
  const cleanup = useUdpCleanup();

  it('a flood into a long delay holds at most max_buffer bytes; the rest is tail-dropped', async () => {
    const maxBuffer = 4096;
    const sent = Array.from({ length: 300 }, (_, i) => numbered(i, 100));
    const { got, session } = await throughUpstream(cleanup, [{ delay: { ms: 50 } }], sent, {
      tweak: (c) => (c.maxBuffer = maxBuffer),
    });
    const link = session.upstream;
    expect(link.peakHeld.bytes).toBeLessThanOrEqual(maxBuffer);
    expect(link.peakHeld.count).toBeLessThanOrEqual(maxBuffer / 64);
    expect(got.length).toBe(300 - link.dropped);
    expect(link.dropped).toBeGreaterThan(0);
    expect(numbers(got)).toEqual([...numbers(got)].sort((a, b) => a - b));
    const notes = new Set(link.trace.events.filter((e) => e.kind === 'drop').map((e) => e.note));
    expect(notes).toEqual(new Set(['delay: max_buffer']));
  });

  it('a flood of empty datagrams is bounded by count (max_buffer / 64)', async () => {
    const sent = Array.from({ length: 300 }, () => Buffer.alloc(0));
    const { got, session } = await throughUpstream(cleanup, [{ delay: { ms: 50 } }], sent, {
      tweak: (c) => (c.maxBuffer = 1024),
    });
    // Zero bytes held, yet the count bound was reached and held.
    expect(session.upstream.peakHeld).toEqual({ bytes: 0, count: 16 });
    expect(session.upstream.dropped).toBeGreaterThan(0);
    expect(got.length).toBe(300 - session.upstream.dropped);
  });
});

describe('UdpProxy packet capture', () => {
  const cleanup = useUdpCleanup();

  it('records every datagram on both legs, with fault events as comments', async () => {
    const server = await cleanup.peer(udpEcho());
    const blocks: Buffer[] = [];
    const capture = new Capture({ write: (b) => blocks.push(b) });
    const config = proxyConfig({ upstream: [{ duplicate: { rate: 1 } }] }, 'udp');
    const proxy = new UdpProxy({ config, target: { host: '127.0.0.1', port: server.port }, seed: 1, capture });
    const { port } = await proxy.listen();
    try {
      const client = await cleanup.peer(udpPeer());
      for (let i = 0; i < 3; i++) client.send(numbered(i), port);
      await client.receivedCount(6);
    } finally {
      await proxy.close();
      capture.close();
    }
    // client→proxy 3, proxy→server 6 (copies), server→proxy 6, proxy→client 6.
    expect(capture.packets).toBe(21);
    expect(Buffer.concat(blocks).toString('latin1')).toContain('upstream duplicate');
  });
});
