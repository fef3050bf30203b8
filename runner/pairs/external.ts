// Sides of a pair given as shell commands: spawned in their own process group, output kept, killed at the end.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import dgram from 'node:dgram';
import { once } from 'node:events';
import path from 'node:path';
import type { Address, Protocol } from '../../proxy/index.ts';
import type { SideSpec } from '../scenario/pair-schema.ts';

type CmdSide = Extract<SideSpec, { kind: 'cmd' }>;

/** Kept output of a process: the last OUTPUT_LIMIT bytes of each stream. */
const OUTPUT_LIMIT = 64 * 1024;
/** A UDP server cannot be probed for readiness; give it this long to bind. */
const UDP_READY_GRACE_MS = 300;
const READY_POLL_MS = 20;
const KILL_GRACE_MS = 1_000;

export interface ProcessOutput {
  cmd: string;
  stdout: string;
  stderr: string;
  exit_code: number | null;
  signal: string | null;
}

/** A child process in its own group, with bounded captured output. */
export class ExternalProcess {
  private readonly child: ChildProcess;
  private stdout = '';
  private stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  constructor(
    readonly cmd: string,
    opts: { cwd: string; env: Record<string, string> },
  ) {
    // detached: a new process group, so the whole tree (sh and what it starts) can be killed.
    this.child = spawn('/bin/sh', ['-c', cmd], {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const keep = (prev: string, chunk: Buffer): string => {
      const next = prev + chunk.toString('utf8');
      return next.length > OUTPUT_LIMIT ? next.slice(-OUTPUT_LIMIT) : next;
    };
    this.child.stdout!.on('data', (c: Buffer) => (this.stdout = keep(this.stdout, c)));
    this.child.stderr!.on('data', (c: Buffer) => (this.stderr = keep(this.stderr, c)));
    this.exited = new Promise((resolve) => {
      this.child.once('error', (err) => {
        this.stderr += `\n${err.message}`;
        this.exit = { code: 127, signal: null };
        resolve(this.exit);
      });
      this.child.once('close', (code, signal) => {
        this.exit ??= { code, signal };
        resolve(this.exit);
      });
    });
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** SIGTERM the process group, SIGKILL it if it lingers; resolves when it is gone. */
  async kill(): Promise<void> {
    if (!this.running || this.child.pid === undefined) return;
    const group = -this.child.pid;
    const signalGroup = (sig: NodeJS.Signals): void => {
      try {
        process.kill(group, sig);
      } catch {
        // Already gone.
      }
    };
    signalGroup('SIGTERM');
    const timer = setTimeout(() => signalGroup('SIGKILL'), KILL_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
    // sh may have exited while a grandchild still runs in the group.
    signalGroup('SIGKILL');
  }

  output(): ProcessOutput {
    return {
      cmd: this.cmd,
      stdout: this.stdout,
      stderr: this.stderr,
      exit_code: this.exit?.code ?? null,
      signal: this.exit?.signal ?? null,
    };
  }
}

/** A port that was free a moment ago (bind to 0, read it, release it). */
export async function freePort(protocol: Protocol, host = '127.0.0.1'): Promise<number> {
  if (protocol === 'udp') {
    const sock = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    sock.bind(0, host);
    await once(sock, 'listening');
    const port = sock.address().port;
    await new Promise<void>((r) => sock.close(() => r()));
    return port;
  }
  const server = net.createServer();
  server.listen(0, host);
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

function substitute(cmd: string, addr: Address): string {
  return cmd.replaceAll('{host}', addr.host).replaceAll('{port}', String(addr.port));
}

function spawnSide(side: CmdSide, addr: Address, scenarioDir: string): ExternalProcess {
  return new ExternalProcess(substitute(side.cmd, addr), {
    cwd: side.cwd ? path.resolve(scenarioDir, side.cwd) : scenarioDir,
    env: { ...side.env, WIREFAULT_HOST: addr.host, WIREFAULT_PORT: String(addr.port) },
  });
}

async function tcpAccepts(addr: Address): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: addr.host, port: addr.port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export class ServerNotReadyError extends Error {}

/** Start a server command on a free port and wait until it is ready. */
export async function startExternalServer(
  side: CmdSide,
  protocol: Protocol,
  scenarioDir: string,
  signal: AbortSignal,
): Promise<{ address: Address; process: ExternalProcess }> {
  const address = { host: '127.0.0.1', port: await freePort(protocol) };
  const proc = spawnSide(side, address, scenarioDir);
  if (side.ready === 'none') return { address, process: proc };
  const deadline = performance.now() + side.readyTimeoutMs;
  if (protocol === 'udp') {
    const grace = new Promise<void>((r) => setTimeout(r, Math.min(UDP_READY_GRACE_MS, side.readyTimeoutMs)));
    await Promise.race([grace, proc.exited]);
  } else {
    // Poll the port: the only way to know a foreign program has called listen().
    while (!(await tcpAccepts(address))) {
      if (!proc.running || signal.aborted || performance.now() > deadline) break;
      await new Promise((r) => setTimeout(r, READY_POLL_MS));
    }
  }
  if (!proc.running || signal.aborted || (protocol === 'tcp' && performance.now() > deadline)) {
    await proc.kill();
    const out = proc.output();
    throw new ServerNotReadyError(
      `server command did not become ready on ${address.host}:${address.port} within ${side.readyTimeoutMs} ms` +
        (out.exit_code !== null ? ` (it exited with code ${out.exit_code})` : '') +
        (out.stderr ? `; stderr: ${out.stderr.trim().slice(-500)}` : ''),
    );
  }
  return { address, process: proc };
}

/** Run a client command against `target`; resolves when it exits (or is killed on abort). */
export async function runExternalClient(
  side: CmdSide,
  target: Address,
  scenarioDir: string,
  signal: AbortSignal,
): Promise<ProcessOutput> {
  const proc = spawnSide(side, target, scenarioDir);
  const onAbort = (): void => void proc.kill();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await proc.exited;
  } finally {
    signal.removeEventListener('abort', onAbort);
    await proc.kill();
  }
  return proc.output();
}
