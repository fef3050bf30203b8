// UDP benchmarks: datagrams per second forwarded (1400 and 64 bytes) through a bare dgram forwarder
// and through wirefault, with no faults and with 10 % drop; loss the proxy itself causes at a
// paced rate; memory per session with 1 000 concurrent sessions. Proxies run in their own process.
import dgram from 'node:dgram';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT, memoryOf, spawnNode, startNodeProxy, startWirefault, stopper, type ProxyProcess } from './lib/processes.ts';
import { fmt, median } from './lib/stats.ts';
import { recordFigure } from './lib/figures.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
/** How long each flat-out run sends. */
const SEND_MS = Number(process.env.BENCH_UDP_MS ?? 1000);
const SESSIONS = Number(process.env.BENCH_UDP_SESSIONS ?? 1000);
/** A run is over once the sink has been quiet this long (bounded by QUIET_MAX_MS). */
const QUIET_MS = 200;
const QUIET_MAX_MS = 5000;
const SINK_RECV_BUFFER = 8 * 1024 * 1024;

type Kind = 'direct' | 'bare' | 'wirefault:none' | 'wirefault:drop 0.1';

async function startProxy(kind: Kind, targetPort: number): Promise<ProxyProcess | undefined> {
  if (kind === 'direct') return undefined;
  if (kind === 'bare') return startNodeProxy(['--import', 'tsx', path.join(ROOT, 'bench/dgram-forwarder.ts'), `127.0.0.1:${targetPort}`]);
  return startWirefault(kind === 'wirefault:none' ? 'udp-none' : 'udp-drop', targetPort);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Counts datagrams; `quiet()` resolves once none has arrived for QUIET_MS. */
class Sink {
  readonly socket = dgram.createSocket({ type: 'udp4', recvBufferSize: SINK_RECV_BUFFER });
  count = 0;
  last = 0;
  readonly senders = new Set<string>();
  trackSenders = false;

  async bind(): Promise<number> {
    this.socket.on('message', (_m, rinfo) => {
      this.count++;
      this.last = performance.now();
      if (this.trackSenders) this.senders.add(`${rinfo.address}:${rinfo.port}`);
    });
    this.socket.bind(0, '127.0.0.1');
    await once(this.socket, 'listening');
    return this.socket.address().port;
  }

  reset(): void {
    this.count = 0;
    this.last = 0;
  }

  async quiet(): Promise<void> {
    const deadline = performance.now() + QUIET_MAX_MS;
    while (performance.now() < deadline) {
      const lastSeen = this.last;
      await sleep(QUIET_MS);
      if (this.last === lastSeen) return;
    }
  }
}

async function clientSocket(port: number): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  s.on('error', () => {});
  s.connect(port, '127.0.0.1');
  await once(s, 'connect');
  return s;
}

/** The sender child (bench/lib/udp-sender.ts): one command per line, one answer per line. */
class Sender {
  private readonly proc = spawnNode(['--import', 'tsx', path.join(ROOT, 'bench/lib/udp-sender.ts')], {}, 'pipe');
  private readonly lines = createInterface({ input: this.proc.stdout! })[Symbol.asyncIterator]();

  async send(port: number, size: number, rate?: number): Promise<number> {
    this.proc.stdin!.write(`${JSON.stringify({ port, size, ms: SEND_MS, ...(rate !== undefined ? { rate } : {}) })}\n`);
    const next = await Promise.race([
      this.lines.next(),
      sleep(SEND_MS + 30_000).then(() => Promise.reject(new Error('the UDP sender did not answer'))),
    ]);
    if (next.done) throw new Error('the UDP sender exited');
    return (JSON.parse(next.value as string) as { sent: number }).sent;
  }

  async stop(): Promise<void> {
    this.proc.stdin!.end();
    await stopper(this.proc)();
  }
}

/**
 * Send `size`-byte datagrams through `port` for SEND_MS: flat out, or paced at `rate` per second.
 * Returns datagrams sent, received and the seconds from the first send to the last arrival.
 */
async function blast(sender: Sender, port: number, sink: Sink, size: number, rate?: number): Promise<{ sent: number; received: number; seconds: number }> {
  sink.reset();
  const started = performance.now();
  const sent = await sender.send(port, size, rate);
  await sink.quiet();
  return { sent, received: sink.count, seconds: ((sink.last || performance.now()) - started) / 1000 };
}

async function forwarding(sender: Sender, sink: Sink, sinkPort: number): Promise<{ lines: string[]; wfRate1400: number }> {
  const kinds: Kind[] = ['direct', 'bare', 'wirefault:none', 'wirefault:drop 0.1'];
  const sizes = [1400, 64];
  const proxies = new Map<Kind, ProxyProcess | undefined>();
  const rates = new Map<string, number[]>();
  const losses = new Map<string, number[]>();
  try {
    for (const kind of kinds) proxies.set(kind, await startProxy(kind, sinkPort));
    for (let i = 0; i < RUNS; i++) {
      for (const size of sizes) {
        for (const kind of kinds) {
          const r = await blast(sender, proxies.get(kind)?.port ?? sinkPort, sink, size);
          const key = `${kind}/${size}`;
          rates.set(key, [...(rates.get(key) ?? []), r.received / r.seconds]);
          losses.set(key, [...(losses.get(key) ?? []), 1 - r.received / r.sent]);
        }
      }
    }
  } finally {
    for (const p of proxies.values()) await p?.stop();
  }
  const med = (kind: Kind, size: number): number => median(rates.get(`${kind}/${size}`)!);
  const lines = [
    `### UDP datagrams forwarded per second (flat out for ${SEND_MS} ms from a sender process, 32 sends in flight; median of ${RUNS} interleaved runs)`,
    '',
    '| path | 1400 B datagrams/s | × bare | lost | 64 B datagrams/s | × bare | lost |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const kind of kinds) {
    const cells = sizes.map((size) => {
      const v = med(kind, size);
      const ratio = v / med('bare', size);
      const loss = median(losses.get(`${kind}/${size}`)!);
      recordFigure({
        bench: 'udp',
        name: `UDP ${size} B datagrams/s ${kind}`,
        value: v,
        unit: 'datagrams/s',
        runs: rates.get(`${kind}/${size}`)!,
        ratios: { bare: ratio },
        ...(kind === 'wirefault:none' ? { target: '>= 0.8x bare dgram forwarder', met: ratio >= 0.8 } : {}),
      });
      return `${fmt(v, 0)} | ${fmt(ratio)} | ${fmt(loss * 100, 1)} %`;
    });
    lines.push(`| ${kind} | ${cells.join(' | ')} |`);
  }
  const r1400 = med('wirefault:none', 1400) / med('bare', 1400);
  const r64 = med('wirefault:none', 64) / med('bare', 64);
  lines.push(
    '',
    `Datagrams/s counts what reached the receiver (so drop 0.1 shows about 0.9× of what it processed); "lost" is the share of sent datagrams that never arrived, flat out (the sender outruns any forwarder; excess is dropped by the kernel).`,
    `Target: wirefault:none ≥ 0.8× the bare forwarder — 1400 B ${fmt(r1400)}×, 64 B ${fmt(r64)}× — ${r1400 >= 0.8 && r64 >= 0.8 ? 'met' : 'missed'}.`,
    '',
  );
  return { lines, wfRate1400: med('wirefault:none', 1400) };
}

/** Loss at a rate the proxy should sustain: half of what it forwarded flat out. */
async function pacedLoss(sender: Sender, sink: Sink, sinkPort: number, wfRate: number): Promise<string[]> {
  const rate = Math.max(1000, Math.floor(wfRate / 2 / 1000) * 1000);
  const kinds: Kind[] = ['direct', 'bare', 'wirefault:none'];
  const proxies = new Map<Kind, ProxyProcess | undefined>();
  const losses = new Map<Kind, number[]>(kinds.map((k) => [k, []]));
  try {
    for (const kind of kinds) proxies.set(kind, await startProxy(kind, sinkPort));
    for (let i = 0; i < RUNS; i++) {
      for (const kind of kinds) {
        const r = await blast(sender, proxies.get(kind)?.port ?? sinkPort, sink, 1400, rate);
        losses.get(kind)!.push(1 - r.received / r.sent);
      }
    }
  } finally {
    for (const p of proxies.values()) await p?.stop();
  }
  for (const k of kinds) {
    recordFigure({ bench: 'udp', name: `UDP loss at ${rate}/s ${k}`, value: median(losses.get(k)!) * 100, unit: '%', runs: losses.get(k)!.map((l) => l * 100) });
  }
  return [
    `### Loss caused by the proxy at ${rate} datagrams/s of 1400 B (half its flat-out rate; ${SEND_MS} ms, paced every 1 ms; ${RUNS} runs)`,
    '',
    '| path | median loss | worst run |',
    '|---|---|---|',
    ...kinds.map((k) => `| ${k} | ${fmt(median(losses.get(k)!) * 100, 2)} % | ${fmt(Math.max(...losses.get(k)!) * 100, 2)} % |`),
    '',
  ];
}

/** SESSIONS client addresses at once: proxy RSS per session and the time to open them. */
async function sessions(sink: Sink, sinkPort: number): Promise<string[]> {
  const rows: string[] = [];
  for (const kind of ['bare', 'wirefault:none'] as Kind[]) {
    const clients: dgram.Socket[] = [];
    let proxy: ProxyProcess | undefined;
    try {
      proxy = (await startProxy(kind, sinkPort))!;
      await sleep(500);
      const before = memoryOf(proxy.pid).rssKiB;
      sink.reset();
      sink.senders.clear();
      sink.trackSenders = true;
      const started = performance.now();
      const hello = Buffer.from('hello');
      for (let i = 0; i < SESSIONS; i += 100) {
        const batch = await Promise.all(Array.from({ length: Math.min(100, SESSIONS - i) }, () => clientSocket(proxy!.port)));
        for (const c of batch) {
          clients.push(c);
          c.send(hello);
        }
      }
      // Each session is one upstream socket: the sink sees one sender address per session.
      const deadline = performance.now() + 20_000;
      while (sink.senders.size < SESSIONS && performance.now() < deadline) await sleep(20);
      const openMs = performance.now() - started;
      await sleep(1000);
      const after = memoryOf(proxy.pid).rssKiB;
      const held = sink.senders.size;
      const perSession = (after - before) / held;
      recordFigure({ bench: 'udp', name: `RSS per UDP session ${kind}`, value: perSession, unit: 'KiB' });
      rows.push(`| ${kind} | ${held} of ${SESSIONS} | ${fmt(openMs / 1000, 2)} s | ${fmt(before / 1024, 1)} → ${fmt(after / 1024, 1)} MiB | ${fmt(perSession, 1)} KiB |`);
    } finally {
      sink.trackSenders = false;
      for (const c of clients) c.close();
      await proxy?.stop();
    }
  }
  return [
    `### ${SESSIONS} concurrent UDP sessions (one client address each)`,
    '',
    '| path | sessions reaching the server | time to open | proxy RSS | per session |',
    '|---|---|---|---|---|',
    ...rows,
    '',
  ];
}

export async function udpBench(): Promise<string> {
  const sink = new Sink();
  const sinkPort = await sink.bind();
  const sender = new Sender();
  try {
    const t0 = performance.now();
    const { lines, wfRate1400 } = await forwarding(sender, sink, sinkPort);
    const t1 = performance.now();
    const paced = await pacedLoss(sender, sink, sinkPort, wfRate1400);
    const t2 = performance.now();
    const held = await sessions(sink, sinkPort);
    const t3 = performance.now();
    process.stderr.write(`udp: forwarding ${fmt((t1 - t0) / 1000, 1)} s, paced loss ${fmt((t2 - t1) / 1000, 1)} s, sessions ${fmt((t3 - t2) / 1000, 1)} s\n`);
    return ['## UDP', '', ...lines, ...paced, ...held].join('\n');
  } finally {
    await sender.stop();
    sink.socket.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${await udpBench()}\n`);
}
