// `wirefault pair`: a built-in server as a reference peer, robust to clients that send bad frames.
import net from 'node:net';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../runner/cli.ts';
import { readyLine, spawnCli, type CliChild } from '../helpers/cli.ts';

let server: CliChild | undefined;
afterEach(async () => {
  if (server && server.child.exitCode === null) {
    server.child.kill('SIGKILL');
    await server.exit;
  }
  server = undefined;
});

async function client(port: string, ...flags: string[]): Promise<{ code: number; report: { survived: boolean; metrics: Record<string, number> } }> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const code = await main(['pair', 'client', 'echo', '--port', port, '--log-level', 'silent', ...flags], out, new PassThrough());
  return { code, report: JSON.parse(Buffer.concat(chunks).toString()) };
}

describe('wirefault pair', () => {
  it('serves framed clients, drops one that sends a bad frame, keeps serving, stops on SIGTERM', async () => {
    server = spawnCli(['pair', 'server', 'echo', '--framing', 'json-header', '--log-level', 'warn']);
    const ready = await readyLine(server);
    const port = ready.listening!.split(':')[1]!;
    expect(ready.listening).toMatch(/^127\.0\.0\.1:\d+$/);

    const ok = await client(port, '--framing', 'json-header', '--messages', '20', '--max-size', '3000');
    expect(ok.code).toBe(0);
    expect(ok.report.metrics.intact).toBe(20);

    // A negative header length (struct.pack('i', -5)): the server must close this connection.
    const bad = net.connect({ host: '127.0.0.1', port: Number(port) });
    await once(bad, 'connect');
    bad.on('data', () => {});
    bad.write(Buffer.from([0xfb, 0xff, 0xff, 0xff]));
    await once(bad, 'close');

    const again = await client(port, '--framing', 'json-header', '--messages', '5');
    expect(again.report.survived).toBe(true);

    server.child.kill('SIGTERM');
    expect(await server.exit).toBe(0);
    expect(server.stderr()).toContain('ERR_BAD_LENGTH');
  });

  it('a naive client against a framed server does not survive, exit 1', async () => {
    server = spawnCli(['pair', 'server', 'echo', '--framing', 'length', '--log-level', 'silent']);
    const port = (await readyLine(server)).listening!.split(':')[1]!;
    const naive = await client(port, '--framing', 'none', '--messages', '3');
    expect(naive.code).toBe(1);
    expect(naive.report.survived).toBe(false);
  });

  it('rejects an unknown pair or framing with exit 2', async () => {
    expect(await main(['pair', 'server', 'nope'], new PassThrough(), new PassThrough())).toBe(2);
    expect(await main(['pair', 'server', 'file', '--framing', 'line'], new PassThrough(), new PassThrough())).toBe(2);
  });
});
