// `wirefault proxy --workers N` end to end: connections spread over worker processes, seeded as
// with one process, half-close intact, a clean stop with no process left, and bad uses refused.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { collect, connect, echoServer, pattern, readBytes, type Server } from '../helpers/net.ts';

const root = path.join(import.meta.dirname, '../..');

interface Run {
  child: ChildProcess;
  stderr: () => string;
  exit: Promise<number | null>;
  ready: Promise<number>;
}

const children: ChildProcess[] = [];

function wirefault(args: string[]): Run {
  const child = spawn(process.execPath, [path.join(root, 'bin/wirefault.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (err += s));
  const exit = once(child, 'close').then(([code]) => code as number | null);
  const ready = new Promise<number>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(Number((JSON.parse(out.slice(0, nl)) as { listening: string }).listening.split(':')[1]));
    });
    void exit.then((code) => reject(new Error(`exited ${code} before ready: ${err}`)));
  });
  // A run expected to fail never gets ready: that rejection is only an error if a test awaits it.
  ready.catch(() => {});
  return { child, stderr: () => err, exit, ready };
}

/** The pids of a process's children, from /proc (Linux). */
function childPids(pid: number): number[] {
  const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  return text === '' ? [] : text.split(/\s+/).map(Number);
}

/** Running: not gone, and not a zombie waiting to be reaped by whoever inherited it. */
function alive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]![0] !== 'Z';
  } catch {
    return false;
  }
}

/** Send `payload` on `count` connections, one after another (so accept order is connection order). */
async function echoEach(port: number, payload: Buffer, count: number): Promise<Buffer[]> {
  const replies: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const client = await connect(port);
    try {
      const got = collect(client);
      // Half-close: the proxy must carry the reply after the client's FIN.
      client.end(payload);
      replies.push((await got).data);
    } finally {
      client.destroy();
    }
  }
  return replies;
}

describe('wirefault proxy --workers', () => {
  let dir: string;
  let server: Server;
  let corrupting: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'wirefault-workers-'));
    server = await echoServer();
    corrupting = path.join(dir, 'corrupt.yaml');
    writeFileSync(corrupting, ['seed: 11', 'proxy:', '  upstream:', '    - corrupt: { rate: 0.01 }', ''].join('\n'));
  });
  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('seeds every connection as one process does, whichever worker carries it', async () => {
    const payload = pattern(4000);
    const single = wirefault(['proxy', corrupting, '--target', `127.0.0.1:${server.port}`]);
    const expected = await echoEach(await single.ready, payload, 4);
    single.child.kill('SIGTERM');
    await single.exit;

    const multi = wirefault(['proxy', corrupting, '--target', `127.0.0.1:${server.port}`, '--workers', '2', '--log-level', 'debug']);
    const got = await echoEach(await multi.ready, payload, 4);
    multi.child.kill('SIGTERM');
    expect(await multi.exit).toBe(0);

    // Each connection was corrupted, differently from the others (its own seed), and exactly as
    // the same connection through one process.
    for (const reply of expected) {
      expect(reply.length).toBe(payload.length);
      expect(reply.equals(payload)).toBe(false);
    }
    expect(new Set(expected.map((b) => b.toString('hex'))).size).toBe(4);
    expect(got).toEqual(expected);
    // Both workers carried connections: 0 and 2 on worker 0, 1 and 3 on worker 1.
    const carried = [...multi.stderr().matchAll(/"worker":(\d),"conn":(\d),.*"upstream connected"/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(carried.sort()).toEqual([
      [0, 0],
      [0, 2],
      [1, 1],
      [1, 3],
    ]);
  });

  it('stops its workers with it on SIGTERM, leaving no process behind', async () => {
    const run = wirefault(['proxy', corrupting, '--target', `127.0.0.1:${server.port}`, '--workers', '3']);
    await run.ready;
    const workers = childPids(run.child.pid!);
    expect(workers).toHaveLength(3);
    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
    expect(workers.filter(alive)).toEqual([]);
  });

  it('exits 1 when a worker dies, and takes the others down', async () => {
    const run = wirefault(['proxy', corrupting, '--target', `127.0.0.1:${server.port}`, '--workers', '2']);
    await run.ready;
    const [first, second] = childPids(run.child.pid!);
    process.kill(first!, 'SIGKILL');
    expect(await run.exit).toBe(1);
    expect(run.stderr()).toContain('worker exited; stopping');
    expect(alive(second!)).toBe(false);
  });

  it('has its workers close their connections and exit when the primary is killed outright', async () => {
    const run = wirefault(['proxy', corrupting, '--target', `127.0.0.1:${server.port}`, '--workers', '2']);
    const port = await run.ready;
    const workers = childPids(run.child.pid!);
    expect(workers).toHaveLength(2);
    // An open connection through worker 0 keeps that process busy unless it stops on purpose.
    const client = await connect(port);
    try {
      client.write('ping');
      await readBytes(client, 4);
      const ended = collect(client);
      run.child.kill('SIGKILL');
      await run.exit;
      // No signal reaches the workers: they see their IPC channel close, stop, and exit.
      await ended;
      await vi.waitFor(() => expect(workers.filter(alive)).toEqual([]), { timeout: 10_000, interval: 50 });
    } finally {
      client.destroy();
    }
  });

  it('refuses --workers for a UDP scenario, and a count out of range, with exit 2', async () => {
    const udp = path.join(dir, 'udp.yaml');
    writeFileSync(udp, 'protocol: udp\nproxy: {}\n');
    const forUdp = wirefault(['proxy', udp, '--target', '127.0.0.1:9', '--workers', '2']);
    expect(await forUdp.exit).toBe(2);
    expect(forUdp.stderr()).toContain('--workers applies to TCP');
    const zero = wirefault(['proxy', corrupting, '--target', '127.0.0.1:9', '--workers', '0']);
    expect(await zero.exit).toBe(2);
    expect(zero.stderr()).toContain('--workers: expected a whole number from 1 to 64, found "0"');
  });
});
