// `udp-echo` and `udp-time`: the tutorials' naive UDP programs, one recvfrom(1024) per datagram.
import dgram from 'node:dgram';
import { once } from 'node:events';
import type { Address } from '../../proxy/index.ts';
import { type BuiltinPair, type ClientReport, type PairContext, type RunningServer, verdict } from './contract.ts';
import { makeMessages, upperAscii } from './messages.ts';
import { emptyMetrics } from './metrics.ts';

/** Each datagram starts with its sequence number in ASCII, so upper-casing leaves it readable. */
const SEQ_DIGITS = 8;
const SEP = 0x7c; // '|'

function seqOf(datagram: Buffer): number | undefined {
  if (datagram.length < SEQ_DIGITS + 1 || datagram[SEQ_DIGITS] !== SEP) return undefined;
  const text = datagram.subarray(0, SEQ_DIGITS).toString('latin1');
  return /^\d+$/.test(text) ? Number(text) : undefined;
}

function withSeq(seq: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${String(seq).padStart(SEQ_DIGITS, '0')}|`, 'latin1'), body]);
}

function socketFor(host: string): dgram.Socket {
  return dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
}

interface UdpBehaviour {
  /** The server's answer to one (possibly truncated) request. */
  answer(request: Buffer): Buffer;
  /** The client's request for message `seq`, and the check of the reply it gets. */
  request(seq: number, body: Buffer): Buffer;
  isRight(reply: Buffer, seq: number, body: Buffer): boolean;
}

async function startServer(ctx: PairContext, listen: Address, behaviour: UdpBehaviour): Promise<RunningServer> {
  const stats: Record<string, number> = { datagrams: 0, truncated: 0 };
  const sock = socketFor(listen.host);
  sock.on('message', (msg, rinfo) => {
    stats.datagrams!++;
    // recvfrom(bufsize) keeps the first bufsize bytes and silently discards the rest.
    if (msg.length > ctx.spec.recvBuffer) stats.truncated!++;
    sock.send(behaviour.answer(msg.subarray(0, ctx.spec.recvBuffer)), rinfo.port, rinfo.address);
  });
  sock.on('error', (err) => ctx.log.debug({ err: err.message }, 'udp server error'));
  sock.bind(listen.port, listen.host);
  await once(sock, 'listening');
  const a = sock.address();
  return {
    address: { host: a.address, port: a.port },
    stats,
    close: () => new Promise<void>((r) => sock.close(() => r())),
  };
}

async function runClient(ctx: PairContext, target: Address, behaviour: UdpBehaviour): Promise<ClientReport> {
  const { spec } = ctx;
  const started = performance.now();
  const m = emptyMetrics();
  // Room for the sequence prefix inside the requested size.
  const bodies = makeMessages(ctx.seed, spec.messages, spec.size.min, spec.size.max);
  const sock = socketFor(target.host);
  sock.on('error', (err) => ctx.log.debug({ err: err.message }, 'udp client error'));
  sock.bind(0, target.host.includes(':') ? '::1' : '127.0.0.1');
  await once(sock, 'listening');
  const seen = new Set<number>();
  let highest = -1;
  let lastHeard = performance.now();
  let resolveDone: () => void = () => {};
  const allIn = new Promise<void>((r) => (resolveDone = r));
  sock.on('message', (raw) => {
    lastHeard = performance.now();
    const reply = raw.subarray(0, spec.recvBuffer);
    if (raw.length > spec.recvBuffer) m.partial_reads++;
    m.bytes += reply.length;
    const seq = seqOf(reply);
    if (seq === undefined || seq >= bodies.length) {
      m.received++;
      m.corrupted++;
      return;
    }
    if (seen.has(seq)) {
      m.duplicated++;
      return;
    }
    seen.add(seq);
    m.received++;
    if (seq < highest) m.out_of_order++;
    highest = Math.max(highest, seq);
    if (behaviour.isRight(reply, seq, bodies[seq]!)) m.intact++;
    else m.corrupted++;
    if (seen.size === bodies.length) resolveDone();
  });
  try {
    for (let seq = 0; seq < bodies.length; seq++) {
      const datagram = behaviour.request(seq, bodies[seq]!);
      await new Promise<void>((resolve) => sock.send(datagram, target.port, target.host, () => resolve()));
      m.sent++;
      // Pace the burst so the sockets' own buffers are not what loses datagrams.
      if ((seq + 1) % spec.burst === 0) await new Promise((r) => setImmediate(r));
    }
    lastHeard = performance.now();
    // Wait for the replies until all are in or the line has been quiet for read_timeout_ms.
    while (seen.size < bodies.length && !ctx.signal.aborted) {
      const quietFor = performance.now() - lastHeard;
      if (quietFor >= spec.readTimeoutMs) break;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([allIn, new Promise<void>((r) => (timer = setTimeout(r, spec.readTimeoutMs - quietFor)))]);
      clearTimeout(timer);
    }
  } finally {
    await new Promise<void>((r) => sock.close(() => r()));
  }
  m.lost = bodies.length - seen.size;
  m.duration_ms = Math.round(performance.now() - started);
  return { metrics: m, ...verdict(m) };
}

function udpPair(behaviour: UdpBehaviour): BuiltinPair {
  return {
    protocol: 'udp',
    startServer: (ctx, listen) => startServer(ctx, listen, behaviour),
    runClient: (ctx, target) => runClient(ctx, target, behaviour),
  };
}

/** The echo server upper-cases the datagram; the client checks it is its own, upper-cased. */
export const udpEcho = udpPair({
  answer: (req) => upperAscii(req),
  request: (seq, body) => withSeq(seq, body),
  isRight: (reply, seq, body) => reply.equals(upperAscii(withSeq(seq, body))),
});

/** The time server answers a request with the time; the client checks it got a time for its request. */
export const udpTime = udpPair({
  answer: (req) => {
    const seq = seqOf(req);
    const prefix = seq === undefined ? '????????' : String(seq).padStart(SEQ_DIGITS, '0');
    return Buffer.from(`${prefix}|${new Date().toISOString()}`, 'latin1');
  },
  request: (seq) => withSeq(seq, Buffer.from('time', 'latin1')),
  isRight: (reply) => /^\d{8}\|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(reply.toString('latin1')),
});
