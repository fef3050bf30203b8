// Child processes for benchmarks: proxies under test run in their own process, as users run them.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';

export const ROOT = path.join(import.meta.dirname, '../..');

/** Raise the open-file limit for a child (root may raise the hard limit). */
const ULIMIT = 'ulimit -n 65536 2>/dev/null || true;';

export interface Child {
  proc: ChildProcess;
  stop(): Promise<void>;
}

export function spawnNode(args: string[]): ChildProcess {
  const cmd = [process.execPath, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return spawn('/bin/sh', ['-c', `${ULIMIT} exec ${cmd}`], { stdio: ['ignore', 'pipe', 'inherit'], cwd: ROOT });
}

/** Wait for the first stdout line of a child and parse it as JSON (the ready line). */
export async function readyJson(proc: ChildProcess): Promise<Record<string, string>> {
  const lines = createInterface({ input: proc.stdout! });
  const [line] = (await once(lines, 'line')) as [string];
  return JSON.parse(line) as Record<string, string>;
}

export function stopper(proc: ChildProcess): () => Promise<void> {
  return async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGTERM');
    await once(proc, 'exit');
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

/** Resident set size and its peak, in KiB, from /proc. */
export function memoryOf(pid: number): { rssKiB: number; peakKiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  return { rssKiB: field('VmRSS'), peakKiB: field('VmHWM') };
}
