// Shutdown: SIGTERM (and SIGINT) while traffic flows. `wirefault proxy` exits 0 and lets go of
// its clients; `wirefault run` exits 1, writes summary.json with what finished, and leaves no
// process behind — neither in its own process group nor among the external commands it started
// (each in a group of its own), found by an environment tag every descendant inherits.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Socket } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../runner/result.ts';
import { BIN } from '../helpers/cli.ts';
import { connect, echoServer, pattern, type Server } from '../helpers/net.ts';
import { TAG_VAR, pollUntil, processGroup, processesWithEnv, spawnTaggedCli, within, type TaggedCli } from './support.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'wirefault-shutdown-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const children: TaggedCli[] = [];
const servers: Server[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) c.killAll();
  for (const s of sockets.splice(0)) s.destroy();
  for (const s of servers.splice(0)) await s.close();
});

function cli(args: string[]): TaggedCli {
  const c = spawnTaggedCli(BIN, args, tmp);
  children.push(c);
  return c;
}

/** Nothing of this CLI run is alive: not in its group, not anywhere with its tag. Polled briefly (SIGKILL is asynchronous). */
async function noSurvivors(c: TaggedCli): Promise<void> {
  const left = await pollUntil(
    () => [...processGroup(c.pgid), ...processesWithEnv(TAG_VAR, c.tag)],
    (pids) => pids.length === 0,
    3_000,
  );
  expect(left.map((pid) => `${pid}: ${readCmdline(pid)}`)).toEqual([]);
}

function readCmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').replaceAll('\0', ' ');
  } catch {
    return '(gone)';
  }
}

/** A client that keeps writing (respecting backpressure) until its socket ends; counts echoed bytes. */
function pump(s: Socket) {
  let echoed = 0;
  let stop = false;
  const chunk = pattern(16 * 1024);
  const firstEcho = new Promise<void>((resolve) => s.once('data', () => resolve()));
  s.on('data', (c: Buffer) => (echoed += c.length));
  const ended = new Promise<string>((resolve) => {
    s.once('end', () => resolve('end'));
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    s.once('close', () => resolve('close'));
  });
  void ended.then(() => (stop = true));
  const write = (): void => {
    while (!stop && !s.destroyed && s.write(chunk));
  };
  s.on('drain', write);
  write();
  return { firstEcho, ended, echoed: () => echoed };
}

describe('wirefault proxy on a signal', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} during traffic through 10 connections: exit 0, clients released, no process left`, async () => {
      const server = await echoServer();
      servers.push(server);
      const file = path.join(tmp, `proxy-${signal}.yaml`);
      writeFileSync(
        file,
        [
          'pair: { builtin: echo }',
          'proxy:',
          `  target: 127.0.0.1:${server.port}`,
          '  upstream: [ { split: { min: 100, max: 5000 } } ]',
          '  downstream: [ { delay: { ms: 1 } } ]',
        ].join('\n'),
      );
      const proxy = cli(['proxy', file, '--log-level', 'info']);
      const ready = JSON.parse(await within(15_000, 'ready line', proxy.line((l) => l.startsWith('{')))) as { listening: string };
      const port = Number(ready.listening.split(':').pop());
      const clients = await Promise.all(Array.from({ length: 10 }, () => connect(port)));
      sockets.push(...clients);
      const pumps = clients.map(pump);
      // Traffic is flowing both ways on every connection before the signal.
      await within(10_000, 'first echoes', Promise.all(pumps.map((p) => p.firstEcho)));
      process.kill(proxy.pgid, signal);
      expect(await within(10_000, 'proxy exit', proxy.exit)).toBe(0);
      // Every client is let go (EOF or reset), none is left hanging on a dead proxy.
      const ends = await within(5_000, 'clients released', Promise.all(pumps.map((p) => p.ended)));
      expect(ends.every((e) => ['end', 'close', 'ECONNRESET', 'EPIPE'].includes(e))).toBe(true);
      expect(proxy.stderr()).toContain('stopping');
      expect(proxy.stderr()).not.toMatch(/\n\s+at /); // no stack trace
      await noSurvivors(proxy);
      const total = pumps.reduce((n, p) => n + p.echoed(), 0);
      console.log(`proxy ${signal}: 10 connections, ${total} bytes echoed before the signal; ends ${[...new Set(ends)].join('/')}`);
    }, 30_000);
  }
});

describe('wirefault proxy signalled the moment it is ready', () => {
  // The ready line promises a running proxy: a signal sent as soon as it is read must find the
  // handler in place (it once did not, and the process died by SIGTERM instead of exiting 0).
  for (const protocol of ['tcp', 'udp'] as const) {
    it(`${protocol}: SIGTERM on the ready line exits 0`, async () => {
      const file = path.join(tmp, `ready-${protocol}.yaml`);
      writeFileSync(file, `protocol: ${protocol}\npair: { builtin: ${protocol === 'tcp' ? 'echo' : 'udp-echo'} }\nproxy: { target: 127.0.0.1:9 }\n`);
      const proxy = cli(['proxy', file, '--log-level', 'warn']);
      await within(15_000, 'ready line', proxy.line((l) => l.startsWith('{')));
      process.kill(proxy.pgid, 'SIGTERM');
      expect(await within(10_000, 'proxy exit', proxy.exit)).toBe(0);
      await noSurvivors(proxy);
    }, 30_000);
  }
});

describe('wirefault run on SIGTERM', () => {
  it('mid-run: exit 1, partial summary.json, no orphan of the run or of its external commands', async () => {
    const dir = path.join(tmp, 'run');
    const out = path.join(tmp, 'run-report');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'a-quick.yaml'), 'pair: { builtin: echo, framing: length, messages: 5 }\n');
    // An external pair that would run for a minute: a Python server, and a client command that
    // forks a background sleep and a Python that ignores SIGTERM (it needs the SIGKILL).
    writeFileSync(
      path.join(dir, 'b-external.yaml'),
      [
        'pair:',
        '  server:',
        `    cmd: "python3 -c 'import socket,sys,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((\\"127.0.0.1\\", int(sys.argv[1]))); s.listen(); time.sleep(60)' {port}"`,
        '    ready: port',
        '  client:',
        `    cmd: "sleep 61 & python3 -c 'import signal,time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(62)'"`,
        'expect: { timeout_ms: 120000 }',
      ].join('\n'),
    );
    // A built-in pair with traffic in flight at the signal: one round trip per message, each
    // slowed by a delay, so 20 000 of them outlast the test. (Not a million: the built-in pairs
    // generate every message up front, and a million would block the event loop for seconds.)
    writeFileSync(
      path.join(dir, 'c-traffic.yaml'),
      [
        'pair: { builtin: echo, framing: length, messages: 20000, size: { min: 100, max: 2000 } }',
        'proxy: { downstream: [ { delay: { ms: 1 } } ] }',
        'expect: { timeout_ms: 120000 }',
      ].join('\n'),
    );
    writeFileSync(path.join(dir, 'd-never.yaml'), 'pair: { builtin: echo, framing: length, messages: 5 }\n');

    const run = cli(['run', dir, '--jobs', '2', '--out', out, '--log-level', 'warn']);
    // a-quick finishes first (it is printed), and b's commands are all up: the Python that
    // ignores SIGTERM is the last of them to start.
    await within(20_000, 'a-quick finishing', run.line((l) => l.includes('a-quick')));
    const up = await pollUntil(
      () => processesWithEnv(TAG_VAR, run.tag).map(readCmdline),
      (cmds) => cmds.some((c) => c.includes('SIG_IGN')) && cmds.some((c) => c.includes('sleep 61')),
      15_000,
    );
    expect(up.some((c) => c.includes('SIG_IGN')), `${JSON.stringify(up)}\n${run.stdout()}\n${run.stderr()}`).toBe(true);
    const before = processesWithEnv(TAG_VAR, run.tag).length;
    process.kill(run.pgid, 'SIGTERM');
    expect(await within(15_000, 'run exit', run.exit)).toBe(1);
    expect(run.stderr()).not.toMatch(/\n\s+at /);
    await noSurvivors(run);

    expect(existsSync(path.join(out, 'summary.json'))).toBe(true);
    const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8')) as RunSummary;
    const byName = Object.fromEntries(summary.scenarios.map((s) => [s.name, s]));
    expect(byName['a-quick']?.status).toBe('met');
    expect(byName['d-never']).toBeUndefined(); // never started: not reported as if it ran
    for (const name of ['b-external', 'c-traffic']) {
      expect(byName[name]?.status).toBe('error');
      expect(byName[name]?.reasons.join(' ')).toMatch(/interrupted/);
    }
    expect(summary.totals).toEqual({ scenarios: 3, met: 1, unmet: 0, error: 2 });
    expect(byName['c-traffic']!.proxy.connections).toBeGreaterThan(0);
    console.log(`run SIGTERM: ${before} processes of the run alive at the signal, 0 after; summary ${JSON.stringify(summary.totals)}`);
  }, 45_000);
});
