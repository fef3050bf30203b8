// Child processes for benchmarks: proxies under test run in their own process, as users run them.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';

export const ROOT = path.join(import.meta.dirname, '../..');

/** Raise a child's open-file limit to the hard limit (10 000 proxied connections need 20 000+). */
const ULIMIT = 'ulimit -n "$(ulimit -Hn)" 2>/dev/null || true;';

export interface Child {
  proc: ChildProcess;
  stop(): Promise<void>;
}

export function spawnNode(args: string[], env: NodeJS.ProcessEnv = {}, stdin: 'ignore' | 'pipe' = 'ignore'): ChildProcess {
  const cmd = [process.execPath, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return spawn('/bin/sh', ['-c', `${ULIMIT} exec ${cmd}`], {
    stdio: [stdin, 'pipe', 'inherit'],
    cwd: ROOT,
    env: { ...process.env, ...env },
  });
}

/** A proxy under test in its own process. */
export interface ProxyProcess {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** Start a Node proxy process that prints a `{"listening":"host:port"}` ready line. */
export async function startNodeProxy(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ProxyProcess> {
  const proc = spawnNode(args, env);
  try {
    const ready = await readyJson(proc);
    return { port: Number(ready.listening!.split(':').pop()), pid: proc.pid!, stop: stopper(proc) };
  } catch (err) {
    proc.kill('SIGKILL');
    throw err;
  }
}

/** `wirefault proxy` for a bench scenario (bench/scenarios/NAME.yaml), as users run it. */
export function startWirefault(
  scenario: string,
  targetPort: number,
  env: NodeJS.ProcessEnv = {},
  nodeFlags: string[] = [],
  args: string[] = [],
): Promise<ProxyProcess> {
  return startNodeProxy(
    [
      ...nodeFlags,
      path.join(ROOT, 'bin/wirefault.js'),
      'proxy',
      path.join(ROOT, `bench/scenarios/${scenario}.yaml`),
      '--target',
      `127.0.0.1:${targetPort}`,
      '--log-level',
      'warn',
      ...args,
    ],
    env,
  );
}

/** Longest a child may take to print its ready line. */
const READY_TIMEOUT_MS = 20_000;

/** Wait for the first stdout line of a child and parse it as JSON (the ready line). */
export async function readyJson(proc: ChildProcess): Promise<Record<string, string>> {
  const lines = createInterface({ input: proc.stdout! });
  let timer: NodeJS.Timeout | undefined;
  try {
    const line = await Promise.race([
      once(lines, 'line').then(([l]) => l as string),
      once(proc, 'exit').then(([code]) => Promise.reject(new Error(`child exited (${String(code)}) before its ready line`))),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('no ready line in time')), READY_TIMEOUT_MS);
      }),
    ]);
    return JSON.parse(line) as Record<string, string>;
  } finally {
    clearTimeout(timer);
  }
}

/** Stop a child: SIGTERM, then SIGKILL if it has not exited within a few seconds. */
export function stopper(proc: ChildProcess): () => Promise<void> {
  return async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = once(proc, 'exit');
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
}

export async function waitForPort(port: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`port ${port} did not open`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** socat from Debian; installed when missing (the bench runs as root on the project's machines). */
export function ensureSocat(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v socat'], { encoding: 'utf8' }).stdout.trim();
  if (found) return found;
  process.stderr.write('socat missing: installing it with apt-get\n');
  spawnSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq socat'], { stdio: 'inherit' });
  return spawnSync('sh', ['-c', 'command -v socat'], { encoding: 'utf8' }).stdout.trim() || undefined;
}

/** A process and its children (`wirefault proxy --workers`), from /proc. */
export function processTree(pid: number): number[] {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  return [pid, ...(children === '' ? [] : children.split(/\s+/).map(Number))];
}

/** Resident set size summed over a process and its children, in KiB. */
export function treeRssKiB(pid: number): number {
  return processTree(pid).reduce((sum, p) => sum + memoryOf(p).rssKiB, 0);
}

/** Resident set size and its peak, in KiB, from /proc. */
export function memoryOf(pid: number): { rssKiB: number; peakKiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  return { rssKiB: field('VmRSS'), peakKiB: field('VmHWM') };
}
