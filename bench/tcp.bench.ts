// TCP benchmarks: throughput, added latency, 10 000 idle connections, memory under a long delay.
// Every proxy runs in its own process, as users run it; baselines are measured in the same run and
// runs of different proxies are interleaved, so a busy moment on a shared machine hits them all.
import net, { type AddressInfo } from 'node:net';
import { once } from 'node:events';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import {
  ROOT,
  ensureSocat,
  memoryOf,
  readyJson,
  spawnNode,
  startNodeProxy,
  startWirefault,
  stopper,
  treeRssKiB,
  processTree,
  waitForPort,
  type ProxyProcess,
} from './lib/processes.ts';
import { fmt, median, percentile } from './lib/stats.ts';
import { recordFigure } from './lib/figures.ts';

const GiB = 1024 ** 3;
const BYTES = Number(process.env.BENCH_BYTES ?? GiB);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const ASKED_CONNS = Number(process.env.BENCH_CONNS ?? 10_000);
/** The proxy holds two descriptors per connection; the hard open-file limit caps what it can hold. */
const FD_HARD_LIMIT = ((): number => {
  const out = spawnSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).stdout.trim();
  return out === 'unlimited' ? Infinity : Number(out);
})();
/** Descriptors the proxy process needs besides its connections (stdio, listener, epoll, loader). */
const FD_RESERVE = 100;
const CONNS = Math.min(ASKED_CONNS, Math.floor((FD_HARD_LIMIT - FD_RESERVE) / 2));
const PINGS = Number(process.env.BENCH_PINGS ?? 5_000);
/** A single transfer slower than this is a hang, not a measurement (1 GiB at 20 MiB/s is ~51 s). */
const RUN_TIMEOUT_MS = Number(process.env.BENCH_RUN_TIMEOUT_MS ?? 180_000);

type ProxyKind = 'direct' | 'pipe' | 'socat' | `wirefault:${string}`;

async function freePort(): Promise<number> {
  const probe = net.createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}

async function startProxy(kind: ProxyKind, targetPort: number): Promise<ProxyProcess | undefined> {
  if (kind === 'direct') return undefined;
  if (kind === 'socat') {
    const socat = ensureSocat();
    if (!socat) throw new Error('socat is not available');
    const port = await freePort();
    // socat's defaults (8 KiB buffer), one forked child per connection.
    const proc = spawn('/bin/sh', ['-c', `ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec ${socat} TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr,fork TCP:127.0.0.1:${targetPort}`], { stdio: 'ignore' });
    try {
      await waitForPort(port);
    } catch (err) {
      proc.kill('SIGKILL');
      throw err;
    }
    return { port, pid: proc.pid!, stop: stopper(proc) };
  }
  if (kind === 'pipe') return startNodeProxy(['--import', 'tsx', path.join(ROOT, 'bench/pipe-proxy.ts'), `127.0.0.1:${targetPort}`]);
  return startWirefault(kind.slice('wirefault:'.length), targetPort);
}

interface Sink {
  port: number;
  next(): Promise<number>;
  close(): Promise<void>;
}

/** A sink that counts bytes per connection and reports when the sender has finished. */
async function sinkServer(): Promise<Sink> {
  const waiting: ((n: number) => void)[] = [];
  const server = net.createServer((s) => {
    let n = 0;
    s.on('data', (c: Buffer) => (n += c.length));
    s.on('end', () => {
      s.end();
      // Readiness probes (socat's port check) connect and leave without a byte: not a run.
      if (n > 0) waiting.shift()?.(n);
    });
    s.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    next: () => new Promise((r) => waiting.push(r)),
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** Send BYTES one way through `port` as fast as backpressure allows; Gbit/s. */
async function throughputOnce(port: number, sink: Sink): Promise<number> {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  const done = sink.next();
  const started = performance.now();
  const s = net.connect({ host: '127.0.0.1', port });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`no end of transfer within ${RUN_TIMEOUT_MS} ms`));
    }, RUN_TIMEOUT_MS);
  });
  try {
    await Promise.race([once(s, 'connect'), timedOut]);
    let sent = 0;
    while (sent < BYTES) {
      const piece = BYTES - sent >= chunk.length ? chunk : chunk.subarray(0, BYTES - sent);
      sent += piece.length;
      if (!s.write(piece)) await Promise.race([once(s, 'drain'), timedOut]);
    }
    s.end();
    const got = await Promise.race([done, timedOut]);
    const seconds = (performance.now() - started) / 1000;
    if (got !== BYTES) throw new Error(`sink got ${got} of ${BYTES} bytes`);
    return (BYTES * 8) / seconds / 1e9;
  } finally {
    clearTimeout(timer);
    s.destroy();
  }
}

async function throughput(): Promise<string[]> {
  const sink = await sinkServer();
  const kinds: ProxyKind[] = [
    'direct',
    'pipe',
    'socat',
    'wirefault:none',
    'wirefault:split',
    'wirefault:coalesce',
    'wirefault:delay',
  ];
  const proxies = new Map<ProxyKind, ProxyProcess | undefined>();
  const runs = new Map<ProxyKind, number[]>(kinds.map((k) => [k, []]));
  try {
    for (const kind of kinds) proxies.set(kind, await startProxy(kind, sink.port));
    // Round-robin: run i of every proxy before run i+1 of any.
    for (let i = 0; i < RUNS; i++) {
      for (const kind of kinds) runs.get(kind)!.push(await throughputOnce(proxies.get(kind)?.port ?? sink.port, sink));
    }
  } finally {
    for (const p of proxies.values()) await p?.stop();
    await sink.close();
  }
  const results = new Map(kinds.map((k) => [k, median(runs.get(k)!)]));
  for (const k of kinds) process.stderr.write(`throughput ${k}: ${runs.get(k)!.map((r) => fmt(r)).join(', ')} Gbit/s\n`);
  const pipe = results.get('pipe')!;
  const socat = results.get('socat')!;
  const none = results.get('wirefault:none')!;
  for (const k of kinds) {
    const v = results.get(k)!;
    recordFigure({
      bench: 'tcp',
      name: `TCP throughput ${k}`,
      value: v,
      unit: 'Gbit/s',
      runs: runs.get(k)!,
      ratios: { pipe: v / pipe, socat: v / socat },
      ...(k === 'wirefault:none'
        ? { target: '>= 0.9x pipe and >= 1.0x socat', met: v / pipe >= 0.9 && v / socat >= 1.0 }
        : {}),
    });
  }
  return [
    `### TCP throughput (${fmt(BYTES / GiB, 2)} GiB one way, median of ${RUNS} interleaved runs)`,
    '',
    '| path | Gbit/s | × bare pipe proxy | × socat | runs |',
    '|---|---|---|---|---|',
    ...kinds.map((k) => {
      const v = results.get(k)!;
      return `| ${k} | ${fmt(v)} | ${fmt(v / pipe)} | ${fmt(v / socat)} | ${runs.get(k)!.map((r) => fmt(r, 1)).join(' ')} |`;
    }),
    '',
    `Target: wirefault:none ≥ 0.9× pipe and ≥ 1.0× socat — ${none / pipe >= 0.9 && none / socat >= 1 ? 'met' : 'missed'} (${fmt(none / pipe)}× pipe, ${fmt(none / socat)}× socat).`,
    '',
  ];
}

/** 64-byte ping-pong round trips against an echo server; microseconds. */
async function latency(): Promise<string[]> {
  const echo = net.createServer((s) => {
    s.setNoDelay(true);
    s.pipe(s);
    s.on('error', () => {});
  });
  echo.listen(0, '127.0.0.1');
  await once(echo, 'listening');
  const echoPort = (echo.address() as AddressInfo).port;
  const kinds: ProxyKind[] = ['direct', 'pipe', 'wirefault:none'];
  const proxies = new Map<ProxyKind, ProxyProcess | undefined>();
  const p50s = new Map<ProxyKind, number>();
  const p99s = new Map<ProxyKind, number>();
  try {
    for (const kind of kinds) proxies.set(kind, await startProxy(kind, echoPort));
    for (const kind of kinds) {
      const s = net.connect({ host: '127.0.0.1', port: proxies.get(kind)?.port ?? echoPort, noDelay: true });
      s.on('error', () => {});
      await once(s, 'connect');
      const ping = Buffer.alloc(64, 0x62);
      const times: number[] = [];
      try {
        // A few untimed round trips first: connection setup and JIT warm-up are not latency.
        for (let i = 0; i < PINGS + 100; i++) {
          const t0 = performance.now();
          s.write(ping);
          let got = 0;
          while (got < 64) {
            const [c] = (await once(s, 'data')) as [Buffer];
            got += c.length;
          }
          if (i >= 100) times.push((performance.now() - t0) * 1000);
        }
      } finally {
        s.destroy();
      }
      p50s.set(kind, percentile(times, 50));
      p99s.set(kind, percentile(times, 99));
    }
  } finally {
    for (const p of proxies.values()) await p?.stop();
    echo.close();
  }
  const added = (k: ProxyKind, m: Map<ProxyKind, number>): number => m.get(k)! - m.get('direct')!;
  const ratio50 = added('wirefault:none', p50s) / added('pipe', p50s);
  const ratio99 = added('wirefault:none', p99s) / added('pipe', p99s);
  for (const k of kinds) {
    recordFigure({ bench: 'tcp', name: `latency p50 ${k}`, value: p50s.get(k)!, unit: 'µs' });
    recordFigure({ bench: 'tcp', name: `latency p99 ${k}`, value: p99s.get(k)!, unit: 'µs' });
  }
  recordFigure({
    bench: 'tcp',
    name: 'added p50 latency wirefault:none',
    value: added('wirefault:none', p50s),
    unit: 'µs',
    ratios: { pipe: ratio50 },
    target: "<= 1.2x the bare proxy's added latency",
    met: ratio50 <= 1.2,
  });
  return [
    `### Added latency (64-byte ping-pong, ${PINGS} round trips each)`,
    '',
    '| path | p50 µs | p99 µs | added p50 µs | added p99 µs |',
    '|---|---|---|---|---|',
    ...kinds.map(
      (k) => `| ${k} | ${fmt(p50s.get(k)!, 1)} | ${fmt(p99s.get(k)!, 1)} | ${k === 'direct' ? '—' : fmt(added(k, p50s), 1)} | ${k === 'direct' ? '—' : fmt(added(k, p99s), 1)} |`,
    ),
    '',
    `Added p50 through wirefault = ${fmt(ratio50)}× the bare proxy's (p99: ${fmt(ratio99)}×). Target ≤ 1.2× — ${ratio50 <= 1.2 ? 'met' : 'missed'}.`,
    '',
  ];
}

/** Idle connections through wirefault: RSS per connection and time to open them all. */
async function scale(): Promise<string[]> {
  const lines = [];
  const single = await holdIdle(CONNS, 1);
  lines.push(
    `### ${CONNS} concurrent idle TCP connections through one wirefault process`,
    '',
    ...(CONNS < ASKED_CONNS
      ? [
          `${ASKED_CONNS} asked for, but the open-file hard limit here is ${FD_HARD_LIMIT} and a process needs two descriptors per connection, so one process holds at most ${CONNS}; the full ${ASKED_CONNS} run below uses \`--workers 2\`.`,
          '',
        ]
      : []),
    single.line,
    '',
  );
  let held = single.accepted;
  let perConn = single.perConn;
  if (CONNS < ASKED_CONNS) {
    // Past one process's limit: two workers hold half each (the primary only accepts).
    const workers = await holdIdle(ASKED_CONNS, 2);
    lines.push(`### ${ASKED_CONNS} concurrent idle TCP connections through \`wirefault proxy --workers 2\``, '', workers.line, '');
    held = workers.accepted;
    perConn = workers.perConn;
  }
  recordFigure({ bench: 'tcp', name: 'idle TCP connections held', value: held, unit: 'connections', target: `${ASKED_CONNS} held`, met: held >= ASKED_CONNS });
  recordFigure({ bench: 'tcp', name: 'RSS per idle TCP connection', value: perConn, unit: 'KiB', target: '<= 16 KiB', met: perConn <= 16 });
  return lines;
}

/**
 * Open `conns` idle connections through `wirefault proxy --workers N` (1: one process) and
 * measure the RSS of its processes before and after.
 */
async function holdIdle(conns: number, workers: number): Promise<{ accepted: number; perConn: number; line: string }> {
  // The upstream lives in its own process so this one holds only the client sockets; it reports
  // how many connections it has accepted, which proves the proxy joined them all.
  const upstream = spawnNode([
    '-e',
    `const net=require('net');let n=0,told=-1;const s=net.createServer(c=>{n++;c.on('error',()=>{})});` +
      `s.listen(0,'127.0.0.1',()=>console.log(JSON.stringify({listening:'127.0.0.1:'+s.address().port})));` +
      `setInterval(()=>{if(n!==told){told=n;console.log(JSON.stringify({accepted:n}))}},100);` +
      `process.on('SIGTERM',()=>process.exit(0))`,
  ]);
  const sockets: net.Socket[] = [];
  let proxy: ProxyProcess | undefined;
  try {
    const upPort = Number((await readyJson(upstream)).listening!.split(':').pop());
    let accepted = 0;
    createInterface({ input: upstream.stdout! }).on('line', (line) => {
      const m = JSON.parse(line) as { accepted?: number };
      if (m.accepted !== undefined) accepted = m.accepted;
    });
    proxy = await startWirefault('none', upPort, {}, [], workers > 1 ? ['--workers', String(workers)] : []);
    await new Promise((r) => setTimeout(r, 500));
    const before = treeRssKiB(proxy.pid);
    const started = performance.now();
    let failed = 0;
    for (let i = 0; i < conns; i += 200) {
      const batch = Array.from({ length: Math.min(200, conns - i) }, async () => {
        const s = net.connect({ host: '127.0.0.1', port: proxy!.port });
        s.on('error', () => {});
        sockets.push(s);
        await Promise.race([once(s, 'connect'), once(s, 'close').then(() => failed++)]);
      });
      await Promise.all(batch);
    }
    // Connected at the TCP level; the proxy has joined a connection once the upstream accepted it.
    const deadline = Date.now() + 30_000;
    while (accepted < conns - failed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const openMs = performance.now() - started;
    await new Promise((r) => setTimeout(r, 1000));
    // Primary first, then the workers; read once, for the sum and for each.
    const rssEach = processTree(proxy.pid).map((p) => memoryOf(p).rssKiB);
    const after = rssEach.reduce((sum, kib) => sum + kib, 0);
    const each = rssEach.map((kib) => fmt(kib / 1024, 1));
    const perConn = (after - before) / accepted;
    const processes = workers > 1 ? `RSS of its ${workers + 1} processes` : 'proxy RSS';
    const split = workers > 1 ? ` (primary ${each[0]} MiB, workers ${each.slice(1).join(' and ')} MiB)` : '';
    recordFigure({ bench: 'tcp', name: `time to open ${conns} connections (${workers} worker${workers > 1 ? 's' : ''})`, value: openMs / 1000, unit: 's' });
    return {
      accepted,
      perConn,
      line: `${accepted} of ${conns} joined upstream in ${fmt(openMs / 1000, 2)} s (${failed} failed); ${processes} ${fmt(before / 1024, 1)} MiB → ${fmt(after / 1024, 1)} MiB${split}: ${fmt(perConn, 2)} KiB per connection (target ≤ 16 KiB — ${perConn <= 16 ? 'met' : 'missed'}; ${ASKED_CONNS} held — ${accepted >= ASKED_CONNS ? 'met' : 'missed'}).`,
    };
  } finally {
    for (const s of sockets.splice(0)) s.destroy();
    await proxy?.stop();
    await stopper(upstream)();
  }
}

/** 1 GiB through a 200 ms delay with a fast sender: the proxy's peak RSS (the max_buffer bound). */
async function boundedMemory(): Promise<string[]> {
  const sink = await sinkServer();
  let proxy: ProxyProcess | undefined;
  try {
    proxy = (await startProxy('wirefault:delay200', sink.port))!;
    const base = memoryOf(proxy.pid).rssKiB;
    const gbps = await throughputOnce(proxy.port, sink);
    const peak = memoryOf(proxy.pid).peakKiB;
    recordFigure({ bench: 'tcp', name: 'peak RSS, 200 ms delay', value: peak / 1024, unit: 'MiB', target: '<= 100 MiB', met: peak / 1024 <= 100 });
    return [
      `### ${fmt(BYTES / GiB, 2)} GiB through a 200 ms delay (max_buffer 4 MiB per link)`,
      '',
      `Proxy RSS at start ${fmt(base / 1024, 1)} MiB, peak ${fmt(peak / 1024, 1)} MiB (target ≤ 100 — ${peak / 1024 <= 100 ? 'met' : 'missed'}); throughput ${fmt(gbps)} Gbit/s (bounded by 4 MiB per 200 ms).`,
      '',
    ];
  } finally {
    await proxy?.stop();
    await sink.close();
  }
}

const SECTIONS = { throughput, latency, scale, memory: boundedMemory } as const;

export async function tcpBench(): Promise<string> {
  // BENCH_TCP=throughput,memory runs only those sections (a look at one figure takes a minute, not five).
  const only = process.env.BENCH_TCP?.split(',').map((s) => s.trim());
  const lines = ['## TCP', ''];
  for (const [name, section] of Object.entries(SECTIONS)) {
    if (only && !only.includes(name)) continue;
    lines.push(...(await section()));
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${await tcpBench()}\n`);
}
