// TCP benchmarks: throughput, added latency, 10 000 idle connections, memory under a long delay.
import net, { type AddressInfo } from 'node:net';
import { once } from 'node:events';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { ROOT, ensureSocat, memoryOf, readyJson, spawnNode, stopper, waitForPort } from './lib/processes.ts';
import { fmt, median, percentile } from './lib/stats.ts';

const GiB = 1024 ** 3;
const BYTES = Number(process.env.BENCH_BYTES ?? GiB);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const CONNS = Number(process.env.BENCH_CONNS ?? 10_000);
const PINGS = Number(process.env.BENCH_PINGS ?? 5_000);

interface Proxy {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

type ProxyKind = 'direct' | 'pipe' | 'socat' | `wirefault:${string}`;

async function startProxy(kind: ProxyKind, targetPort: number): Promise<Proxy | undefined> {
  if (kind === 'direct') return undefined;
  if (kind === 'socat') {
    const socat = ensureSocat();
    if (!socat) throw new Error('socat is not available');
    const probe = net.createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const proc = spawn('/bin/sh', ['-c', `ulimit -n 65536; exec ${socat} TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr,fork TCP:127.0.0.1:${targetPort}`], { stdio: 'ignore' });
    await waitForPort(port);
    return { port, pid: proc.pid!, stop: stopper(proc) };
  }
  const proc =
    kind === 'pipe'
      ? spawnNode(['--import', 'tsx', path.join(ROOT, 'bench/pipe-proxy.ts'), `127.0.0.1:${targetPort}`])
      : spawnNode([path.join(ROOT, 'bin/wirefault.js'), 'proxy', path.join(ROOT, `bench/scenarios/${kind.slice('wirefault:'.length)}.yaml`), '--target', `127.0.0.1:${targetPort}`, '--log-level', 'warn']);
  const ready = await readyJson(proc);
  return { port: Number(ready.listening!.split(':').pop()), pid: proc.pid!, stop: stopper(proc) };
}

/** A sink that counts bytes per connection and reports when the sender has finished. */
async function sinkServer(): Promise<{ port: number; next(): Promise<number>; close(): Promise<void> }> {
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
async function throughputOnce(port: number, sink: Awaited<ReturnType<typeof sinkServer>>): Promise<number> {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  const done = sink.next();
  const started = performance.now();
  const s = net.connect({ host: '127.0.0.1', port });
  await once(s, 'connect');
  let sent = 0;
  while (sent < BYTES) {
    const piece = BYTES - sent >= chunk.length ? chunk : chunk.subarray(0, BYTES - sent);
    sent += piece.length;
    if (!s.write(piece)) await once(s, 'drain');
  }
  s.end();
  const got = await done;
  const seconds = (performance.now() - started) / 1000;
  s.destroy();
  if (got !== BYTES) throw new Error(`sink got ${got} of ${BYTES} bytes`);
  return (BYTES * 8) / seconds / 1e9;
}

async function throughput(): Promise<string[]> {
  const sink = await sinkServer();
  const kinds: ProxyKind[] = ['direct', 'pipe', 'socat', 'wirefault:none', 'wirefault:split', 'wirefault:coalesce', 'wirefault:delay'];
  const results = new Map<ProxyKind, number>();
  for (const kind of kinds) {
    const proxy = await startProxy(kind, sink.port);
    const runs: number[] = [];
    for (let i = 0; i < RUNS; i++) runs.push(await throughputOnce(proxy?.port ?? sink.port, sink));
    await proxy?.stop();
    results.set(kind, median(runs));
    process.stderr.write(`throughput ${kind}: ${runs.map((r) => fmt(r)).join(', ')} Gbit/s\n`);
  }
  await sink.close();
  const pipe = results.get('pipe')!;
  const socat = results.get('socat')!;
  return [
    `### TCP throughput (${fmt(BYTES / GiB, 2)} GiB one way, median of ${RUNS})`,
    '',
    '| path | Gbit/s | × bare pipe proxy | × socat |',
    '|---|---|---|---|',
    ...kinds.map((k) => `| ${k} | ${fmt(results.get(k)!)} | ${fmt(results.get(k)! / pipe)} | ${fmt(results.get(k)! / socat)} |`),
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
  const rows: string[] = [];
  const p50s = new Map<string, number>();
  for (const kind of ['direct', 'pipe', 'wirefault:none'] as ProxyKind[]) {
    const proxy = await startProxy(kind, echoPort);
    const s = net.connect({ host: '127.0.0.1', port: proxy?.port ?? echoPort, noDelay: true });
    await once(s, 'connect');
    const ping = Buffer.alloc(64, 0x62);
    const times: number[] = [];
    for (let i = 0; i < PINGS; i++) {
      const t0 = performance.now();
      s.write(ping);
      let got = 0;
      while (got < 64) {
        const [c] = (await once(s, 'data')) as [Buffer];
        got += c.length;
      }
      times.push((performance.now() - t0) * 1000);
    }
    s.destroy();
    await proxy?.stop();
    p50s.set(kind, percentile(times, 50));
    rows.push(`| ${kind} | ${fmt(percentile(times, 50), 1)} | ${fmt(percentile(times, 99), 1)} |`);
  }
  echo.close();
  const direct = p50s.get('direct')!;
  const addedPipe = p50s.get('pipe')! - direct;
  const addedWf = p50s.get('wirefault:none')! - direct;
  return [
    `### Added latency (64-byte ping-pong, ${PINGS} round trips)`,
    '',
    '| path | p50 µs | p99 µs |',
    '|---|---|---|',
    ...rows,
    '',
    `Added p50: bare pipe proxy ${fmt(addedPipe, 1)} µs, wirefault ${fmt(addedWf, 1)} µs → ${fmt(addedWf / addedPipe)}× the bare proxy's.`,
    '',
  ];
}

/** CONNS idle connections through wirefault: RSS per connection and time to open them all. */
async function scale(): Promise<string[]> {
  // The upstream lives in its own process so this one holds only the client sockets.
  const upstream = spawnNode(['-e', `const net=require('net');const s=net.createServer(c=>c.on('error',()=>{}));s.listen(0,'127.0.0.1',()=>console.log(JSON.stringify({listening:'127.0.0.1:'+s.address().port})));process.on('SIGTERM',()=>process.exit(0))`]);
  const upPort = Number((await readyJson(upstream)).listening!.split(':').pop());
  const proxy = (await startProxy('wirefault:none', upPort))!;
  const before = memoryOf(proxy.pid).rssKiB;
  const sockets: net.Socket[] = [];
  const started = performance.now();
  for (let i = 0; i < CONNS; i += 200) {
    const batch = Array.from({ length: Math.min(200, CONNS - i) }, async () => {
      const s = net.connect({ host: '127.0.0.1', port: proxy.port });
      s.on('error', () => {});
      sockets.push(s);
      await once(s, 'connect');
    });
    await Promise.all(batch);
  }
  const openMs = performance.now() - started;
  // Connected at TCP level; give the proxy's accept/dial a round trip by pinging through one.
  await new Promise((r) => setTimeout(r, 1000));
  const after = memoryOf(proxy.pid).rssKiB;
  for (const s of sockets) s.destroy();
  await proxy.stop();
  await stopper(upstream)();
  return [
    `### ${CONNS} concurrent idle TCP connections through wirefault`,
    '',
    `Opened in ${fmt(openMs / 1000, 2)} s; proxy RSS ${fmt(before / 1024, 1)} MiB → ${fmt(after / 1024, 1)} MiB: ${fmt((after - before) / CONNS, 2)} KiB per connection.`,
    '',
  ];
}

/** 1 GiB through a 200 ms delay with a fast sender: the proxy's peak RSS (the max_buffer bound). */
async function boundedMemory(): Promise<string[]> {
  const sink = await sinkServer();
  const proxy = (await startProxy('wirefault:delay200', sink.port))!;
  const base = memoryOf(proxy.pid).rssKiB;
  const gbps = await throughputOnce(proxy.port, sink);
  const peak = memoryOf(proxy.pid).peakKiB;
  await proxy.stop();
  await sink.close();
  return [
    `### ${fmt(BYTES / GiB, 2)} GiB through a 200 ms delay (max_buffer 4 MiB per link)`,
    '',
    `Proxy RSS at start ${fmt(base / 1024, 1)} MiB, peak ${fmt(peak / 1024, 1)} MiB; throughput ${fmt(gbps)} Gbit/s (bounded by 4 MiB per 200 ms).`,
    '',
  ];
}

export async function tcpBench(): Promise<string> {
  const sections = [...(await throughput()), ...(await latency()), ...(await scale()), ...(await boundedMemory())];
  return sections.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${await tcpBench()}\n`);
}
