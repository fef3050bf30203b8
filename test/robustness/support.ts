// Shared pieces of the robustness suite: bounded concurrency, event counters, fd and process
// probes from /proc. Everything here waits on events or polls with a deadline, never sleeps.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { TcpProxy } from '../../proxy/tcp.ts';

/** Open file descriptors of this process (the vitest worker that runs proxy and peers). */
export function fdCount(): number {
  return readdirSync('/proc/self/fd').length;
}

/**
 * Poll `probe` until `ok(value)` or the deadline; resolves with the last value either way so
 * the caller's expect() shows what was seen. Polling is for state that has no event (fd counts,
 * other processes); the interval only bounds how often /proc is read.
 */
export async function pollUntil<T>(probe: () => T, ok: (v: T) => boolean, timeoutMs: number, intervalMs = 10): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let value = probe();
  while (!ok(value) && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, intervalMs));
    value = probe();
  }
  return value;
}

/** Run `task(i)` for i in [0, total) with at most `width` in flight; rejects on the first failure. */
export async function inLanes(total: number, width: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < total) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(width, total) }, lane));
}

/**
 * Counts the proxy's 'closed' events from now on; `reach(n)` resolves once n connections have
 * fully closed (both sockets), so a test waits on the proxy itself rather than on time.
 */
export function closedCounter(proxy: TcpProxy) {
  let closed = 0;
  const waiters: { n: number; resolve: () => void }[] = [];
  const on = (): void => {
    closed++;
    for (const w of waiters.filter((w) => closed >= w.n)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  };
  proxy.on('closed', on);
  return {
    get count(): number {
      return closed;
    },
    reach(n: number): Promise<void> {
      if (closed >= n) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ n, resolve }));
    },
    stop(): void {
      proxy.off('closed', on);
    },
  };
}

/** Rejects after `ms` with `what` in the message: a bound on a wait that must not hang the suite. */
export function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done within ${ms} ms`)), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

/** Process ids whose environment carries `NAME=value`: finds a whole tree, even across setsid(). */
export function processesWithEnv(name: string, value: string): number[] {
  const needle = `${name}=${value}`;
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const env = readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0');
      if (env.includes(needle) && !isZombie(Number(entry))) found.push(Number(entry));
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}

/** Process ids in process group `pgid` (field 5 of /proc/PID/stat), zombies excluded. */
export function processGroup(pgid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
      // The command name (field 2) may hold spaces and parentheses: split after its last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') found.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/** A wirefault CLI child leading its own process group and session, tagged in its environment. */
export interface TaggedCli {
  child: ChildProcess;
  /** Process group id: the child's pid (detached: true makes it a group leader). */
  pgid: number;
  tag: string;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code, or the signal name if it was killed. */
  exit: Promise<number | string>;
  /** Resolves with the first stdout line that `match` accepts; rejects if the process exits first. */
  line(match: (l: string) => boolean): Promise<string>;
  /** SIGKILL whatever of this run is still alive (cleanup after a failed test), by pid. */
  killAll(): void;
}

export const TAG_VAR = 'WIREFAULT_ROBUSTNESS_TAG';
let tags = 0;

export function spawnTaggedCli(bin: string, args: string[], cwd: string): TaggedCli {
  const tag = `${process.pid}-${++tags}-${Date.now()}`;
  // detached: a new session and process group led by the CLI, as under a shell's job control;
  // the tag in the environment is inherited by every descendant, even ones that setsid() again
  // (the runner's external commands do), so /proc finds the whole tree after the fact.
  const child = spawn(process.execPath, [bin, ...args], {
    cwd,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, [TAG_VAR]: tag },
  });
  let out = '';
  let err = '';
  const lineWaiters: { match: (l: string) => boolean; resolve: (l: string) => void }[] = [];
  child.stdout!.on('data', (c: Buffer) => {
    const before = out;
    out += c.toString();
    const fresh = out.slice(before.lastIndexOf('\n') + 1).split('\n').slice(0, -1);
    for (const l of fresh) {
      for (const w of lineWaiters.filter((w) => w.match(l))) {
        lineWaiters.splice(lineWaiters.indexOf(w), 1);
        w.resolve(l);
      }
    }
  });
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exit = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return {
    child,
    pgid: child.pid!,
    tag,
    stdout: () => out,
    stderr: () => err,
    exit,
    line(match) {
      const seen = out.split('\n').slice(0, -1).find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      return Promise.race([
        new Promise<string>((resolve) => lineWaiters.push({ match, resolve })),
        exit.then((code) => Promise.reject(new Error(`exited (${code}) before the line; stderr: ${err.slice(-2000)}`))),
      ]);
    },
    killAll() {
      for (const pid of new Set([...processGroup(child.pid!), ...processesWithEnv(TAG_VAR, tag)])) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    },
  };
}
