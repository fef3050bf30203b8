// Test helpers for UDP: loopback peers, numbered datagrams, a proxy per test, and faults run without sockets.
import dgram from 'node:dgram';
import { once } from 'node:events';
import type { Logger } from 'pino';
import { afterEach, expect, vi } from 'vitest';
import { proxyConfig, type ProxyConfig } from '../../proxy/config.ts';
import type { Datagram, DatagramContext, DatagramFault, Emission } from '../../proxy/faults/udp/contract.ts';
import { UDP_FAULTS, type UdpFaultName } from '../../proxy/faults/registry.ts';
import { Rng, faultSeed, type Direction } from '../../proxy/rng.ts';
import type { TraceKind } from '../../proxy/trace.ts';
import { UdpProxy, type UdpSession } from '../../proxy/udp.ts';

/** Ask for big kernel buffers so a test burst is never lost before the proxy sees it. */
const RECV_BUFFER = 4 * 1024 * 1024;
/** Datagrams a test sends before waiting for the proxy to have read them. */
const WINDOW = 64;

/** A datagram carrying its number in the first 4 bytes (big-endian), padded to `size` (≥ 4). */
export function numbered(n: number, size = 16): Buffer {
  const b = Buffer.alloc(Math.max(4, size));
  b.writeUInt32BE(n, 0);
  for (let i = 4; i < b.length; i++) b[i] = (n + i) % 251;
  return b;
}

export function numberOf(b: Buffer): number {
  return b.readUInt32BE(0);
}

/** `count` numbered datagrams with sizes cycling through 4..203 bytes. */
export function numberedSeries(count: number): Buffer[] {
  return Array.from({ length: count }, (_, i) => numbered(i, 4 + ((i * 37) % 200)));
}

export interface Peer {
  socket: dgram.Socket;
  port: number;
  received: Buffer[];
  /** Resolves with everything received once at least `n` datagrams have arrived. */
  receivedCount(n: number): Promise<Buffer[]>;
  /** Resolves with the next datagram received. */
  next(): Promise<Buffer>;
  send(data: Buffer, port: number): void;
  close(): Promise<void>;
}

/** A UDP socket on 127.0.0.1:0 that records what it receives; `reply` may answer each datagram. */
export async function udpPeer(reply?: (data: Buffer) => Buffer | undefined): Promise<Peer> {
  const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: RECV_BUFFER });
  const received: Buffer[] = [];
  const waiters: { n: number; resolve: (all: Buffer[]) => void }[] = [];
  socket.on('message', (data, rinfo) => {
    received.push(data);
    for (const w of waiters.filter((w) => received.length >= w.n)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(received);
    }
    const answer = reply?.(data);
    if (answer) socket.send(answer, rinfo.port, rinfo.address);
  });
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  let closed = false;
  const receivedCount = (n: number): Promise<Buffer[]> => {
    if (received.length >= n) return Promise.resolve(received);
    return new Promise((resolve) => waiters.push({ n, resolve }));
  };
  return {
    socket,
    port: socket.address().port,
    received,
    receivedCount,
    next() {
      const n = received.length + 1;
      return receivedCount(n).then((all) => all[n - 1]!);
    },
    send(data, port) {
      socket.send(data, port, '127.0.0.1');
    },
    close() {
      if (closed) return Promise.resolve();
      closed = true;
      return new Promise((resolve) => socket.close(() => resolve()));
    },
  };
}

/** A server that echoes every datagram back unchanged. */
export function udpEcho(): Promise<Peer> {
  return udpPeer((data) => data);
}

export interface UdpProxyOptionsForTest {
  seed?: number;
  log?: Logger;
  /** Applied on top of the validated section (e.g. a max_buffer below the schema's minimum). */
  tweak?: (config: ProxyConfig) => void;
}

/**
 * Proxies and peers a test opened, closed after each test whatever its outcome. Call once at
 * the top of a describe block (or file): it registers its own afterEach.
 */
export function useUdpCleanup() {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });
  return {
    async peer(p: Promise<Peer>): Promise<Peer> {
      const peer = await p;
      closers.push(() => peer.close());
      return peer;
    },
    async proxy(section: unknown, targetPort: number, opts: UdpProxyOptionsForTest = {}) {
      const config = proxyConfig(section, 'udp');
      opts.tweak?.(config);
      const proxy = new UdpProxy({
        config,
        target: { host: '127.0.0.1', port: targetPort },
        seed: opts.seed ?? 1,
        ...(opts.log ? { log: opts.log } : {}),
      });
      const addr = await proxy.listen();
      closers.push(() => proxy.close());
      return { proxy, port: addr.port };
    },
  };
}

export type UdpCleanup = ReturnType<typeof useUdpCleanup>;

/** The next session the proxy opens. */
export async function nextSession(proxy: UdpProxy): Promise<UdpSession> {
  const [session] = await once(proxy, 'session');
  return session as UdpSession;
}

/**
 * Send datagrams through the proxy in windows, waiting after each until the proxy has read them
 * all (its trace says so), so no kernel buffer overflows and every loss is the fault's doing.
 * The proxy reads a window in microseconds; the wait is a condition, not a pause.
 */
export async function sendAll(client: Peer, proxy: UdpProxy, port: number, datagrams: Buffer[]): Promise<UdpSession> {
  const opened = nextSession(proxy);
  client.send(datagrams[0]!, port);
  const session = await opened;
  for (let sent = 1; sent < datagrams.length; ) {
    const end = Math.min(datagrams.length, sent + WINDOW);
    for (; sent < end; sent++) client.send(datagrams[sent]!, port);
    const want = sent;
    await vi.waitFor(
      () => {
        if (session.upstream.trace.totals.chunksIn < want) throw new Error(`proxy read ${session.upstream.trace.totals.chunksIn} of ${want}`);
      },
      { timeout: 10_000, interval: 1 },
    );
  }
  return session;
}

/**
 * How many datagrams a link will have sent once everything it holds is released: what came in,
 * plus copies, minus drops. Final once every datagram has been read by the proxy.
 */
export function expectedOut(link: UdpSession['upstream']): number {
  const t = link.trace.totals;
  return t.chunksIn + t.duplicated - link.dropped;
}

/**
 * The usual end-to-end fixture for an upstream fault: a recording server behind a proxy with
 * `chain` on upstream; sends `datagrams` from one client and resolves with what the server got.
 */
export async function throughUpstream(
  cleanup: UdpCleanup,
  chain: unknown[],
  datagrams: Buffer[],
  opts: UdpProxyOptionsForTest = {},
) {
  const server = await cleanup.peer(udpPeer());
  const { proxy, port } = await cleanup.proxy({ upstream: chain }, server.port, opts);
  const client = await cleanup.peer(udpPeer());
  const session = await sendAll(client, proxy, port, datagrams);
  const got = await server.receivedCount(expectedOut(session.upstream));
  // Everything released: the trace's out count is what the server read, no more.
  await vi.waitFor(() => {
    if (session.upstream.held.count > 0) throw new Error('link still holds datagrams');
  });
  expect(session.upstream.trace.totals.chunksOut).toBe(got.length);
  return { got: [...got], session, proxy, server, client, port };
}

/** A fault context without a link: records notes and discards, always has room. */
export function fakeContext(rng: Rng) {
  const notes: { kind: TraceKind; index: number; size: number; note: string }[] = [];
  const discarded: { index: number; note: string }[] = [];
  const context: DatagramContext = {
    rng,
    discard: (d, note) => discarded.push({ index: d.index, note }),
    note: (kind, index, size, note) => notes.push({ kind, index, size, note }),
    room: () => true,
  };
  return { context, notes, discarded };
}

/**
 * Create a UDP fault exactly as a link at chain position `position` of session `session` would:
 * same options, same seed derivation. No sockets, no timers.
 */
export function makeFault(
  name: UdpFaultName,
  options: Record<string, unknown>,
  seed = 1,
  where: { session?: number; dir?: Direction; position?: number } = {},
) {
  const rng = new Rng(faultSeed(seed, where.session ?? 0, where.dir ?? 'upstream', where.position ?? 0));
  const ctx = fakeContext(rng);
  const create = UDP_FAULTS[name].create as (o: unknown, c: DatagramContext) => DatagramFault;
  return { fault: create(options, ctx.context), ...ctx };
}

/**
 * Run a fault over datagrams arriving at the given times (default: all at 0), then release
 * whatever it still holds; returns the emissions in the order a link would send them.
 */
export function runFault(fault: DatagramFault, datagrams: Buffer[], times?: number[]): Emission[] {
  const out: { e: Emission; when: number }[] = [];
  datagrams.forEach((data, index) => {
    const d: Datagram = { data, index };
    const now = times?.[index] ?? 0;
    for (const e of fault.process(d, now)) out.push({ e, when: Math.max(now, e.at ?? now) });
  });
  for (const e of fault.release?.(Infinity) ?? []) out.push({ e, when: Infinity });
  // A link sends timed emissions by release time, ties in emission order (sort is stable).
  return out.sort((a, b) => (a.when === b.when ? 0 : a.when - b.when)).map((x) => x.e);
}

/** The numbers carried by received datagrams, in arrival order. */
export function numbers(got: Buffer[]): number[] {
  return got.map(numberOf);
}
