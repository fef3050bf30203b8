// Framing benchmarks: decoder throughput, reliable-UDP goodput under loss, and KCP's latency harness.
// Run: node --import tsx bench/framing.bench.ts   (about 1 minute; BENCH_KCP_MESSAGES shortens the KCP part)
import { once } from 'node:events';
import { proxyConfig } from '../proxy/config.ts';
import { UdpProxy } from '../proxy/udp.ts';
import {
  LossyChannel,
  ReliableUdp,
  RudpListener,
  connectReliableUdp,
  jsonHeaderFraming,
  lengthFraming,
  lineFraming,
  type FrameDecoder,
  type LossyChannelOptions,
  type ReliableUdpOptions,
  type RudpStats,
} from '../framing/index.ts';
import { fmt, median } from './lib/stats.ts';

const MB = 1e6;
const RUNS = 5;
const KCP_MESSAGES = Number(process.env.BENCH_KCP_MESSAGES ?? 1000);

// ---------------------------------------------------------------------------------------------------
// Decoder throughput: ~32 MB of frames, in 64 KiB chunks (a typical socket read), median of 5 runs.

interface DecoderCase {
  name: string;
  wire: (body: Buffer) => Buffer;
  decoder: () => FrameDecoder<unknown>;
}

const decoderCases: DecoderCase[] = [
  { name: 'length (4-byte BE)', wire: lengthFraming().encode, decoder: () => lengthFraming().decoder() },
  { name: 'line (\\n)', wire: lineFraming().encode, decoder: () => lineFraming().decoder() },
  {
    name: 'json-header',
    wire: (body) => jsonHeaderFraming().encode({ body }),
    decoder: () => jsonHeaderFraming().decoder(),
  },
];

function decoderThroughput(c: DecoderCase, frameSize: number): { mbps: number; frames: number } {
  const body = Buffer.alloc(frameSize, 0x61); // 'a': valid for the line framing too
  const one = c.wire(body);
  const count = Math.ceil((32 * MB) / frameSize);
  const stream = Buffer.concat(Array.from({ length: count }, () => one));
  const chunks: Buffer[] = [];
  for (let i = 0; i < stream.length; i += 65_536) chunks.push(stream.subarray(i, i + 65_536));
  const rates: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const decoder = c.decoder();
    let frames = 0;
    const onFrame = () => {
      frames++;
    };
    const started = performance.now();
    for (const chunk of chunks) decoder.push(chunk, onFrame);
    decoder.end();
    const seconds = (performance.now() - started) / 1000;
    if (frames !== count) throw new Error(`${c.name}: decoded ${frames} of ${count} frames`);
    rates.push((count * frameSize) / MB / seconds);
  }
  return { mbps: median(rates), frames: count };
}

function benchDecoders(): void {
  console.log('\n## Decoder throughput (body MB/s, median of 5 runs, 64 KiB chunks)\n');
  console.log('| framing | 64 B frames | 64 KiB frames |');
  console.log('|---|---|---|');
  for (const c of decoderCases) {
    const small = decoderThroughput(c, 64);
    const large = decoderThroughput(c, 64 * 1024);
    console.log(`| ${c.name} | ${fmt(small.mbps, 0)} MB/s (${fmt(small.mbps * MB / 64 / 1e6, 1)} M frames/s) | ${fmt(large.mbps, 0)} MB/s |`);
  }
}

// ---------------------------------------------------------------------------------------------------
// Reliable-UDP goodput on loopback: 16 MB in 64 KiB messages, through the UDP proxy dropping datagrams
// (both directions) at 0/10/30 %, and once with no proxy at all.

const GOODPUT_BYTES = 16 * 1024 * 1024;
const GOODPUT_OPTS: ReliableUdpOptions = { minRto: 20, initialRto: 100, lingerMs: 0, maxRetries: 30 };

async function goodput(lossRate: number | undefined): Promise<{ mbps: number; retrans: number; wire: number }> {
  const listener = await RudpListener.listen(0, '127.0.0.1', GOODPUT_OPTS);
  let proxy: UdpProxy | undefined;
  try {
    let received = 0;
    const done = new Promise<void>((resolve) =>
      listener.on('connection', (conn) => {
        conn.on('error', () => {});
        conn.on('message', (m) => {
          received += m.length;
          if (received >= GOODPUT_BYTES) resolve();
        });
      }),
    );
    let port = listener.address().port;
    if (lossRate !== undefined) {
      const chain = lossRate > 0 ? [{ drop: { rate: lossRate } }] : [];
      proxy = new UdpProxy({
        config: proxyConfig({ upstream: chain, downstream: chain, max_buffer: 64 * 1024 * 1024 }, 'udp'),
        target: { host: '127.0.0.1', port },
        seed: 1,
      });
      port = (await proxy.listen()).port;
    }
    const client = await connectReliableUdp('127.0.0.1', port, GOODPUT_OPTS);
    client.on('error', (e) => console.error('goodput client:', e.message));
    const message = Buffer.alloc(64 * 1024, 7);
    const started = performance.now();
    let timeout: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timeout = setTimeout(() => resolve('timeout'), 30_000)));
    const sending = (async () => {
      for (let sent = 0; sent < GOODPUT_BYTES && !client.isDestroyed; sent += message.length) {
        if (!client.send(message)) await Promise.race([once(client, 'drain'), timedOut]);
      }
    })();
    const outcome = await Promise.race([sending.then(() => done), timedOut]);
    clearTimeout(timeout);
    if (outcome === 'timeout') throw new Error(`goodput run at loss ${lossRate} did not finish in 30 s`);
    const seconds = (performance.now() - started) / 1000;
    const stats = client.stats;
    client.destroy();
    return {
      mbps: GOODPUT_BYTES / MB / seconds,
      retrans: stats.retransmittedBytes / stats.payloadBytesSent,
      wire: stats.bytesSent / stats.payloadBytesSent - 1,
    };
  } finally {
    await proxy?.close();
    await listener.close();
  }
}

async function benchGoodput(): Promise<void> {
  console.log('\n## Reliable-UDP goodput on loopback (16 MB in 64 KiB messages)\n');
  console.log('| path | goodput | retransmitted / payload | sender bytes on wire above payload |');
  console.log('|---|---|---|---|');
  for (const [label, loss] of [
    ['direct, no proxy', undefined],
    ['UDP proxy, 0 % loss', 0],
    ['UDP proxy, 10 % loss each way', 0.1],
    ['UDP proxy, 30 % loss each way', 0.3],
  ] as const) {
    const r = await goodput(loss);
    console.log(`| ${label} | ${fmt(r.mbps, 1)} MB/s | ${fmt(r.retrans * 100, 1)} % | ${fmt(r.wire * 100, 1)} % |`);
  }
}

// ---------------------------------------------------------------------------------------------------
// KCP's latency harness: an 8-byte message (index, timestamp) every 20 ms, echoed by the peer; RTT per
// message. KCP reports avg/max 740/1507 ms (default mode), 156/571 (normal), 138/392 (fast).

interface KcpResult {
  label: string;
  avg: number;
  max: number;
  p99: number;
  delivered: number;
  retrans: number;
  wire: number;
  datagrams: number;
}

/** Echo every message back on `conn`: the peer's half of the harness. */
function echo(conn: ReliableUdp): void {
  conn.on('message', (m) => conn.send(m));
}

/** Drive the harness: `a` sends and measures; the echoing peer's stats (once it exists) come from `peer`. */
async function kcpHarness(label: string, a: ReliableUdp, peer: () => RudpStats | undefined): Promise<KcpResult> {
  const rtts: number[] = [];
  const start = performance.now();
  const now = () => Math.floor(performance.now() - start);
  const all = new Promise<void>((resolve) =>
    a.on('message', (m) => {
      rtts.push(now() - m.readUInt32BE(4));
      if (rtts.length === KCP_MESSAGES) resolve();
    }),
  );
  let index = 0;
  const ticker = setInterval(() => {
    const m = Buffer.alloc(8);
    m.writeUInt32BE(index, 0);
    m.writeUInt32BE(now(), 4);
    a.send(m);
    if (++index === KCP_MESSAGES) clearInterval(ticker);
  }, 20);
  let timeout: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => (timeout = setTimeout(resolve, KCP_MESSAGES * 20 + 20_000)));
  await Promise.race([all, deadline]);
  clearTimeout(timeout);
  clearInterval(ticker);
  const b = peer();
  const sum = (f: (s: RudpStats) => number) => f(a.stats) + (b ? f(b) : 0);
  const payload = sum((s) => s.payloadBytesSent);
  const sorted = [...rtts].sort((x, y) => x - y);
  return {
    label,
    avg: rtts.reduce((s, x) => s + x, 0) / Math.max(1, rtts.length),
    max: sorted[sorted.length - 1] ?? NaN,
    p99: sorted[Math.floor(0.99 * (sorted.length - 1))] ?? NaN,
    delivered: rtts.length,
    retrans: sum((s) => s.retransmittedBytes) / payload,
    wire: sum((s) => s.bytesSent) / payload,
    datagrams: sum((s) => s.datagramsSent),
  };
}

async function kcpInMemory(label: string, link: Omit<LossyChannelOptions, 'seed'>): Promise<KcpResult> {
  const channel = new LossyChannel({ seed: 1, ...link });
  const a = new ReliableUdp(channel.a, { lingerMs: 0 });
  const b = new ReliableUdp(channel.b, { lingerMs: 0 });
  echo(b);
  try {
    return await kcpHarness(label, a, () => b.stats);
  } finally {
    a.destroy();
    b.destroy();
    channel.close();
  }
}

async function kcpThroughProxy(label: string): Promise<KcpResult> {
  const listener = await RudpListener.listen(0, '127.0.0.1', { lingerMs: 0 });
  // The listener opens the server side when the first data packet reaches it.
  let server: ReliableUdp | undefined;
  listener.on('connection', (conn) => {
    server = conn;
    echo(conn);
  });
  const chain = [{ drop: { rate: 0.1 } }, { delay: { ms: 92, jitter_ms: 33 } }];
  const proxy = new UdpProxy({
    config: proxyConfig({ upstream: chain, downstream: chain }, 'udp'),
    target: { host: '127.0.0.1', port: listener.address().port },
    seed: 1,
  });
  const addr = await proxy.listen();
  const a = await connectReliableUdp('127.0.0.1', addr.port, { lingerMs: 0 });
  try {
    return await kcpHarness(label, a, () => server?.stats);
  } finally {
    a.destroy();
    await proxy.close();
    await listener.close();
  }
}

async function benchKcp(): Promise<void> {
  console.log(`\n## KCP harness (${KCP_MESSAGES} messages of 8 bytes every 20 ms, echoed; default options)\n`);
  // The three run side by side: each sends 50 datagrams a second, far from loading the event loop.
  const results = await Promise.all([
    kcpInMemory("in-memory, KCP's own simulator: 5 % loss and 30-62.5 ms each way, FIFO", {
      loss: 0.05,
      delayMs: { min: 30, max: 62.5 },
      fifo: true,
    }),
    kcpInMemory('in-memory, as the issue states: 10 % loss and 60-125 ms each way, independent', {
      loss: 0.1,
      delayMs: { min: 60, max: 125 },
    }),
    kcpThroughProxy('UDP proxy: drop 0.1 + delay 92 ± 33 ms each way'),
  ]);
  console.log('| link | avg RTT | max RTT | p99 RTT | delivered | retransmitted / payload | UDP bytes / payload | datagrams |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    console.log(
      `| ${r.label} | ${fmt(r.avg, 0)} ms | ${fmt(r.max, 0)} ms | ${fmt(r.p99, 0)} ms | ${r.delivered} | ${fmt(r.retrans * 100, 1)} % | ${fmt(r.wire, 2)}× | ${r.datagrams} |`,
    );
  }
}

const started = performance.now();
benchDecoders();
await benchGoodput();
await benchKcp();
console.log(`\n(total ${fmt((performance.now() - started) / 1000, 0)} s)`);
