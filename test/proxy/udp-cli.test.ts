// `wirefault proxy` for a UDP scenario, end to end from a child process: ready line, datagrams, SIGTERM, exit 0.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readyLine, spawnCli } from '../helpers/cli.ts';
import { udpEcho, udpPeer, useUdpCleanup } from '../helpers/udp.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'wirefault-udp-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function scenario(body: string): string {
  const file = path.join(dir, `s${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, body);
  return file;
}

describe('wirefault proxy (udp)', () => {
  const cleanup = useUdpCleanup();

  it('serves a UDP scenario: ready line with protocol udp, faults applied, clean stop on SIGTERM', async () => {
    const server = await cleanup.peer(udpEcho());
    const file = scenario(`protocol: udp
seed: 3
pair: { builtin: udp-echo }
proxy:
  upstream:
    - duplicate: { rate: 1 }
  downstream:
    - truncate: { max_bytes: 5 }
`);
    const cli = spawnCli(['proxy', file, '--target', `127.0.0.1:${server.port}`, '--log-level', 'debug']);
    try {
      const ready = await readyLine(cli);
      expect(ready.protocol).toBe('udp');
      expect(ready.listening).toMatch(/^127\.0\.0\.1:\d+$/);
      const port = Number(ready.listening!.split(':')[1]);
      const client = await cleanup.peer(udpPeer());
      client.send(Buffer.from('hello, world'), port);
      // Duplicated on the way up, so echoed twice; cut to 5 bytes on the way down.
      const got = await client.receivedCount(2);
      expect(got.map(String)).toEqual(['hello', 'hello']);
      expect(server.received.map(String)).toEqual(['hello, world', 'hello, world']);
    } finally {
      cli.child.kill('SIGTERM');
    }
    expect(await cli.exit).toBe(0);
    expect(cli.stderr()).toContain('"msg":"stopping"');
  });

  it('a UDP fault option error exits 2 naming the key', async () => {
    const file = scenario(`protocol: udp
pair: { builtin: udp-echo }
proxy:
  upstream:
    - drop: { rate: 0.9, mean_burst: 2 }
`);
    const cli = spawnCli(['proxy', file, '--target', '127.0.0.1:9']);
    expect(await cli.exit).toBe(2);
    expect(cli.stderr()).toContain('proxy.upstream[0].drop.mean_burst');
  });
});
