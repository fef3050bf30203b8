// `npm run bench [-- --quick] [-- --only tcp,udp]`: runs every bench/*.bench.ts in turn, each in its
// own process (a crash or a hang stays contained), prints their Markdown, and writes it with the
// machine, the date and every figure to reports/bench/<stamp>.{md,json}; a full run also replaces
// bench/results/latest.md, the table bench/README.md cites.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Figure } from './lib/figures.ts';

const BENCH_DIR = import.meta.dirname;
const ROOT = path.join(BENCH_DIR, '..');
/** Benches in this order; any other bench/*.bench.ts runs after them, alphabetically. */
const ORDER = ['tcp', 'udp', 'framing', 'library'];

const MiB = 1024 * 1024;
/** --quick: smaller sizes and 3 runs, for a look in under 2 minutes on a 2-core machine. */
const QUICK_ENV: Record<string, string> = {
  BENCH_BYTES: String(128 * MiB),
  BENCH_RUNS: '3',
  BENCH_CONNS: '2000',
  BENCH_PINGS: '1000',
  BENCH_UDP_MS: '300',
  BENCH_UDP_SESSIONS: '1000',
  BENCH_KCP_MESSAGES: '100',
  BENCH_LIBRARY_RUNS: '1',
};
/** Longest one bench may run before its whole process group is killed. */
const TIMEOUT_MS = { full: 25 * 60_000, quick: 60_000 };
/** After SIGTERM, how long a bench's processes get before SIGKILL. */
const KILL_GRACE_MS = 5000;

interface BenchResult {
  name: string;
  file: string;
  seconds: number;
  exitCode: number | null;
  timedOut: boolean;
  /** Load average (1/5/15 min) when it started. */
  load: string;
  markdown: string;
  figures: Figure[];
}

function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');
}

function machine(): Record<string, string | number> {
  const cpus = os.cpus();
  return {
    cores: os.availableParallelism(),
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
  };
}

function benchFiles(only: string[] | undefined): { name: string; file: string }[] {
  const names = readdirSync(BENCH_DIR)
    .filter((f) => f.endsWith('.bench.ts'))
    .map((f) => f.slice(0, -'.bench.ts'.length));
  const rank = (n: string): number => (ORDER.includes(n) ? ORDER.indexOf(n) : ORDER.length);
  names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const chosen = only ? names.filter((n) => only.includes(n)) : names;
  const unknown = (only ?? []).filter((n) => !names.includes(n));
  if (unknown.length > 0) throw new Error(`no bench named ${unknown.join(', ')}; there are ${names.join(', ')}`);
  return chosen.map((name) => ({ name, file: path.join(BENCH_DIR, `${name}.bench.ts`) }));
}

/** Run one bench file in its own process group, capturing its stdout (the Markdown). */
async function runBench(name: string, file: string, env: Record<string, string>, timeoutMs: number, figuresFile: string): Promise<BenchResult> {
  rmSync(figuresFile, { force: true });
  const load = loadAverage();
  const started = performance.now();
  // The hard open-file limit: 10 000 proxied connections need 20 000+ descriptors in the proxy.
  const proc = spawn('/bin/sh', ['-c', `ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" --import tsx "$1"`, process.execPath, file], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env, BENCH_FIGURES: figuresFile },
    // Its own process group, so a timeout also stops the proxies the bench started.
    detached: true,
  });
  let stdout = '';
  proc.stdout!.on('data', (c: Buffer) => {
    stdout += c.toString();
    process.stdout.write(c);
  });
  let timedOut = false;
  const killGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-proc.pid!, signal);
    } catch {
      // The group is already gone.
    }
  };
  const timer = setTimeout(() => {
    timedOut = true;
    process.stderr.write(`bench ${name}: over ${timeoutMs / 1000} s, stopping it\n`);
    killGroup('SIGTERM');
    setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS).unref();
  }, timeoutMs);
  try {
    const [exitCode] = (await once(proc, 'exit')) as [number | null];
    // Proxies a crashed bench could not stop itself.
    killGroup('SIGKILL');
    let figures: Figure[] = [];
    try {
      figures = readFileSync(figuresFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Figure);
    } catch {
      figures = [];
    }
    return { name, file: path.relative(ROOT, file), seconds: (performance.now() - started) / 1000, exitCode, timedOut, load, markdown: stdout.trim(), figures };
  } finally {
    clearTimeout(timer);
    rmSync(figuresFile, { force: true });
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { quick: { type: 'boolean', default: false }, only: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(`Usage: npm run bench [-- --quick] [-- --only NAME[,NAME]]\n  benches: ${benchFiles(undefined).map((b) => b.name).join(', ')}\n`);
    return 0;
  }
  const mode = values.quick ? 'quick' : 'full';
  const benches = benchFiles(values.only?.split(',').map((s) => s.trim()));
  const date = new Date();
  const stamp = date.toISOString().replace(/[:.]/g, '-');
  const outDir = path.join(ROOT, 'reports', 'bench');
  mkdirSync(outDir, { recursive: true });
  const figuresFile = path.join(outDir, `.figures-${process.pid}.jsonl`);
  const m = machine();
  const loadBefore = loadAverage();
  const header = [
    `# wirefault benchmarks (${mode})`,
    '',
    `${date.toISOString()} · ${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB · ${m.os} · Node ${m.node}`,
    `Load average (1/5/15 min) at start: ${loadBefore}.${mode === 'quick' ? ' Quick mode: smaller sizes, 3 runs — for a look, not for citing.' : ''}`,
    '',
  ].join('\n');
  process.stdout.write(`${header}\n`);
  const results: BenchResult[] = [];
  const started = performance.now();
  const status = (r: BenchResult): string =>
    `_${r.name}: ${r.timedOut ? 'timed out' : r.exitCode === 0 ? 'ok' : `failed (exit ${r.exitCode})`} in ${r.seconds.toFixed(0)} s; load average when it started ${r.load}._`;
  for (const { name, file } of benches) {
    process.stderr.write(`bench ${name} (load ${loadAverage()})\n`);
    const r = await runBench(name, file, values.quick ? QUICK_ENV : {}, TIMEOUT_MS[mode], figuresFile);
    results.push(r);
    process.stdout.write(`\n${status(r)}\n\n`);
  }
  const loadAfter = loadAverage();
  const footer = `Total ${((performance.now() - started) / 1000).toFixed(0)} s; load average at the end: ${loadAfter}.`;
  process.stdout.write(`${footer}\n`);
  const markdown = [
    header,
    ...results.map((r) => `${r.markdown}\n\n${status(r)}\n`),
    footer,
    '',
  ].join('\n');
  const json = { date: date.toISOString(), mode, machine: m, load: { start: loadBefore, end: loadAfter }, benches: results };
  writeFileSync(path.join(outDir, `${stamp}-${mode}.md`), markdown);
  writeFileSync(path.join(outDir, `${stamp}-${mode}.json`), `${JSON.stringify(json, null, 2)}\n`);
  const written = [path.join('reports', 'bench', `${stamp}-${mode}.md`), path.join('reports', 'bench', `${stamp}-${mode}.json`)];
  // Only a full run of every bench replaces the results the README cites.
  if (mode === 'full' && !values.only) {
    mkdirSync(path.join(BENCH_DIR, 'results'), { recursive: true });
    writeFileSync(path.join(BENCH_DIR, 'results', 'latest.md'), markdown);
    writeFileSync(path.join(BENCH_DIR, 'results', 'latest.json'), `${JSON.stringify(json, null, 2)}\n`);
    written.push('bench/results/latest.md', 'bench/results/latest.json');
  }
  process.stderr.write(`written: ${written.join(', ')}\n`);
  return results.every((r) => r.exitCode === 0 && !r.timedOut) ? 0 : 1;
}

try {
  process.exitCode = await main();
} catch (err) {
  // Bad flags or an unknown bench name: say so, without a stack trace.
  process.stderr.write(`bench: ${(err as Error).message}\n`);
  process.exitCode = 2;
}
