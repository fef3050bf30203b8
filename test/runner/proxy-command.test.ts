// `wirefault proxy` end to end, as a user runs it: a child process, its one ready line, traffic
// through it, a clean stop on a signal, and exit code 2 with the key named on bad input.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { collect, connect, echoServer, pattern, readBytes, type Server } from '../helpers/net.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children: ChildProcess[] = [];

function wirefault(args: string[]): Run {
  const child = spawn(process.execPath, [path.join(root, 'bin/wirefault.js'), ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (err += s));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout: () => out, stderr: () => err, exit };
}

/** The first complete stdout line; rejects if the process exits first. */
function firstLine(run: Run): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const nl = run.stdout().indexOf('\n');
      if (nl >= 0) {
        run.child.stdout!.off('data', check);
        resolve(run.stdout().slice(0, nl));
      }
    };
    run.child.stdout!.on('data', check);
    void run.exit.then(({ code }) => reject(new Error(`exited ${code} before a line; stderr: ${run.stderr()}`)));
  });
}

describe('wirefault proxy (child process)', () => {
  let dir: string;
  let server: Server;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'wirefault-proxy-'));
    server = await echoServer();
  });
  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A scenario file with only what `wirefault proxy` reads: no pair, no expectations. */
  function scenario(name: string, text: string): string {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    return file;
  }

  it('prints one ready line, carries traffic through its faults, and exits 0 on SIGTERM', async () => {
    const file = scenario(
      'split.yaml',
      ['seed: 7', 'proxy:', '  upstream:', '    - split: { size: 3, gap_ms: 1 }', '  downstream:', '    - delay: { ms: 1 }', ''].join('\n'),
    );
    const run = wirefault(['proxy', file, '--target', `127.0.0.1:${server.port}`, '--listen', '127.0.0.1:0']);
    const line = await firstLine(run);
    const ready = JSON.parse(line) as { listening: string; protocol: string };
    expect(Object.keys(ready).sort()).toEqual(['listening', 'protocol']);
    expect(ready.protocol).toBe('tcp');
    expect(ready.listening).toMatch(/^127\.0\.0\.1:\d+$/);
    const port = Number(ready.listening.split(':')[1]);
    expect(port).toBeGreaterThan(0);

    const client = await connect(port);
    try {
      const echoed = collect(client);
      client.end(pattern(300));
      const got = await echoed;
      expect(got.error).toBeUndefined();
      expect(got.data.equals(pattern(300))).toBe(true);
    } finally {
      client.destroy();
    }

    run.child.kill('SIGTERM');
    const { code } = await run.exit;
    expect(code).toBe(0);
    // Exactly one line on stdout: logs go to stderr.
    expect(run.stdout()).toBe(`${line}\n`);
  });

  it('exits 0 on a signal sent the instant the ready line arrives', async () => {
    const file = scenario('instant.yaml', 'proxy: {}\n');
    const run = wirefault(['proxy', file, '--target', `127.0.0.1:${server.port}`]);
    await firstLine(run);
    // A supervisor may stop the proxy at once: its handlers must already be there.
    run.child.kill('SIGTERM');
    expect(await run.exit).toEqual({ code: 0, signal: null });
  });

  it('stops on SIGINT too, closing a connection still open', async () => {
    const file = scenario('plain.yaml', 'proxy: {}\n');
    const run = wirefault(['proxy', file, '--target', `127.0.0.1:${server.port}`]);
    const ready = JSON.parse(await firstLine(run)) as { listening: string };
    const client = await connect(Number(ready.listening.split(':')[1]));
    try {
      client.write('ping');
      await readBytes(client, 4); // the connection is live through the proxy
      const seen = collect(client);
      run.child.kill('SIGINT');
      expect((await run.exit).code).toBe(0);
      await seen; // the client's connection ends with the proxy, whether by FIN or RST
    } finally {
      client.destroy();
    }
  });

  it('a bad fault name exits 2 and names the key path', async () => {
    const file = scenario('typo.yaml', ['proxy:', '  upstream:', '    - splt: { size: 3 }', ''].join('\n'));
    const run = wirefault(['proxy', file, '--target', `127.0.0.1:${server.port}`]);
    const { code } = await run.exit;
    expect(code).toBe(2);
    expect(run.stderr()).toContain('proxy.upstream[0].splt');
    expect(run.stderr()).toContain('ERR_SCENARIO_INVALID');
    expect(run.stderr()).not.toMatch(/\n\s+at /); // a message, not a stack trace
    expect(run.stdout()).toBe('');
  });

  it('a bad --listen exits 2 and names the flag', async () => {
    const file = scenario('plain2.yaml', 'proxy: {}\n');
    const run = wirefault(['proxy', file, '--target', `127.0.0.1:${server.port}`, '--listen', 'nowhere']);
    const { code } = await run.exit;
    expect(code).toBe(2);
    expect(run.stderr()).toContain('--listen');
    expect(run.stdout()).toBe('');
  });
});
