// `wirefault serve` as a process: ready line, --config (Toxiproxy JSON or a scenario), clean stop, bad input.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { readyLine, spawnCli, type CliChild } from '../../helpers/cli.ts';
import { collect, connect, echoServer, pattern, useCleanup } from '../../helpers/net.ts';
import { api, portOf } from './fixture.ts';

const cleanup = useCleanup();
let child: CliChild | undefined;
afterEach(async () => {
  if (child && child.child.exitCode === null) {
    child.child.kill('SIGKILL');
    await child.exit;
  }
  child = undefined;
});

const dir = mkdtempSync(path.join(tmpdir(), 'wirefault-serve-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function file(name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}

async function start(args: string[]): Promise<{ url: string; ready: Record<string, unknown> }> {
  child = spawnCli(['serve', '--port', '0', '--log-level', 'warn', ...args]);
  const ready = (await readyLine(child)) as Record<string, unknown>;
  return { url: `http://${ready.listening as string}`, ready };
}

describe('wirefault serve (CLI)', () => {
  it('prints a ready line, loads a Toxiproxy JSON config, and stops with exit 0 on SIGTERM', async () => {
    const echo = await cleanup.server(echoServer());
    const config = file('toxiproxy.json', JSON.stringify([{ name: 'web', listen: '127.0.0.1:0', upstream: `127.0.0.1:${echo.port}`, enabled: true }]));
    const { url, ready } = await start(['--config', config, '--seed', '9']);
    expect(ready).toMatchObject({ seed: 9, proxies: 1 });
    expect(ready.listening).toMatch(/^127\.0\.0\.1:\d+$/);
    const web = (await api(url, 'GET', '/proxies/web')).json;
    expect(web).toMatchObject({ name: 'web', enabled: true });
    child!.child.kill('SIGTERM');
    expect(await child!.exit).toBe(0);
  });

  it('loads a wirefault scenario as one proxy whose faults are toxics', async () => {
    const echo = await cleanup.server(echoServer());
    const scenario = file(
      'cut.yaml',
      [
        'name: cut-after-five',
        'seed: 4',
        'proxy:',
        `  target: 127.0.0.1:${echo.port}`,
        '  downstream:',
        '    - limit: { bytes: 5 }',
        'pair: { builtin: echo }',
        '',
      ].join('\n'),
    );
    const { url } = await start(['--config', scenario]);
    const proxy = (await api(url, 'GET', '/proxies/cut-after-five')).json;
    expect(proxy).toMatchObject({ seed: 4, toxics: [{ name: 'limit_downstream', type: 'limit', stream: 'downstream', toxicity: 1, attributes: { bytes: 5 } }] });
    const client = cleanup.socket(await connect(portOf(proxy.listen)));
    const got = collect(client);
    client.write(pattern(50));
    expect((await got).data.equals(pattern(5))).toBe(true);
  });

  it('exits 2 with a coded error for a bad flag, a bad config, or a busy port', async () => {
    const { ready } = await start([]);
    const port = (ready.listening as string).split(':')[1]!;
    const config = file('bad.json', JSON.stringify([{ name: 'no-upstream' }]));
    // Independent processes: run them side by side.
    const [bad, badConfig, busy] = [
      spawnCli(['serve', '--port', '70000']),
      spawnCli(['serve', '--port', '0', '--config', config]),
      spawnCli(['serve', '--port', port]),
    ];
    expect(await Promise.all([bad.exit, badConfig.exit, busy.exit])).toEqual([2, 2, 2]);
    expect(bad.stderr()).toContain('ERR_BAD_FLAG');
    expect(badConfig.stderr()).toContain('ERR_SERVE_CONFIG');
    expect(badConfig.stderr()).toContain('missing required field: upstream at proxy 1');
    expect(busy.stderr()).toContain('ERR_SERVE_LISTEN');
  });
});
