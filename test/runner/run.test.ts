// `wirefault run` end to end: real pairs, real proxy, external Python programs, shards and seeds.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../runner/cli.ts';
import type { RunSummary } from '../../runner/result.ts';
import { shardOf } from '../../runner/run.ts';
import { discoverScenarios } from '../../runner/scenario/discover.ts';

const fixtures = path.join(import.meta.dirname, '../fixtures/scenarios');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'wirefault-run-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let runs = 0;
async function run(...args: string[]): Promise<{ code: number; stdout: string; summary: RunSummary }> {
  const outDir = path.join(tmp, `run-${runs++}`);
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const code = await main(['run', ...args, '--out', outDir, '--log-level', 'silent'], out, new PassThrough());
  const summary = JSON.parse(readFileSync(path.join(outDir, 'summary.json'), 'utf8')) as RunSummary;
  return { code, stdout: Buffer.concat(chunks).toString(), summary };
}

describe('wirefault run', () => {
  it('runs built-in pairs and meets their expectations', async () => {
    const { code, summary, stdout } = await run(
      path.join(fixtures, 'good/echo-length-split.yaml'),
      path.join(fixtures, 'good/echo-naive-coalesce.yaml'),
    );
    expect(code).toBe(0);
    expect(summary.totals).toEqual({ scenarios: 2, met: 2, unmet: 0, error: 0 });
    const [framed, naive] = summary.scenarios;
    expect(framed!.outcome).toBe('pass');
    expect(framed!.metrics!.intact).toBe(15);
    expect(framed!.metrics!.partial_reads).toBeGreaterThan(0); // the split was real
    expect(naive!.outcome).toBe('fail');
    expect(naive!.metrics!.sticky_reads).toBeGreaterThan(0);
    expect(framed!.rerun).toMatch(/^npx wirefault run .*echo-length-split\.yaml --seed 5$/);
    expect(stdout).toContain('2 scenarios: 2 met');
  });

  it('exits 1 when a pair breaks that was expected to survive, and says why', async () => {
    const { code, summary } = await run(path.join(fixtures, 'good/echo-naive-unexpected.yaml'));
    expect(code).toBe(1);
    expect(summary.scenarios[0]!.status).toBe('unmet');
    expect(summary.scenarios[0]!.reasons[0]).toMatch(/expected the pair to survive, but it failed/);
  });

  it('--seed reproduces a run: same metrics, same chunk boundaries', async () => {
    const file = path.join(fixtures, 'good/echo-length-split.yaml');
    const a = await run(file, '--seed', '77');
    const b = await run(file, '--seed', '77');
    const c = await run(file, '--seed', '78');
    const sizes = (s: RunSummary) =>
      s.scenarios[0]!.proxy.traces[0]!.downstream.events.filter((e) => e.kind === 'out').map((e) => e.size);
    expect(a.summary.scenarios[0]!.seed).toBe(77);
    expect(sizes(a.summary)).toEqual(sizes(b.summary));
    expect(sizes(a.summary)).not.toEqual(sizes(c.summary));
    const { duration_ms: _a, ...ma } = a.summary.scenarios[0]!.metrics!;
    const { duration_ms: _b, ...mb } = b.summary.scenarios[0]!.metrics!;
    expect(ma).toEqual(mb);
  });

  it('--shard 1/3, 2/3, 3/3 together cover the list exactly once', async () => {
    const files = discoverScenarios([path.join(fixtures, 'good'), path.join(fixtures, 'python')]).map((file) => ({ file }));
    const shards = [1, 2, 3].map((i) => shardOf(files, i, 3).map((f) => f.file));
    expect(shards.flat().sort()).toEqual(files.map((f) => f.file).sort());
    expect(new Set(shards.flat()).size).toBe(files.length);
    // And through the CLI: the shards' runs add up to every scenario of the folder once.
    const names: string[] = [];
    for (const i of [1, 2, 3]) {
      const { summary } = await run(path.join(fixtures, 'good'), '--shard', `${i}/3`, '--grep', 'echo-length|unexpected');
      names.push(...summary.scenarios.map((s) => s.name));
    }
    expect(names.sort()).toEqual(['echo-length-split', 'echo-naive-unexpected']);
  });

  it('rejects bad flags with exit 2', async () => {
    for (const flags of [['--shard', '0/0'], ['--shard', '4/3'], ['--jobs', '-1'], ['--seed', 'x'], ['--grep', '(']]) {
      const err = new PassThrough();
      const chunks: Buffer[] = [];
      err.on('data', (c: Buffer) => chunks.push(c));
      expect(await main(['run', ...flags], new PassThrough(), err)).toBe(2);
      expect(Buffer.concat(chunks).toString()).toContain(flags[0]!);
    }
  });
});

describe('external pairs in Python', () => {
  it('a Python server with a built-in client, and a built-in server with a Python client, pass', async () => {
    const { code, summary } = await run(
      path.join(fixtures, 'python/py-server-builtin-client.yaml'),
      path.join(fixtures, 'python/builtin-server-py-client.yaml'),
    );
    expect(summary.scenarios.map((s) => [s.name, s.status, s.outcome])).toEqual([
      ['py-server-builtin-client', 'met', 'pass'],
      ['builtin-server-py-client', 'met', 'pass'],
    ]);
    expect(code).toBe(0);
    const py = summary.scenarios.find((s) => s.name === 'builtin-server-py-client')!;
    expect(py.output!.client!.stdout).toContain('all 40 replies intact');
    expect(py.output!.client!.exit_code).toBe(0);
  });

  it('a naive Python client fails under split size 1 and the run exits 1', async () => {
    const { code, summary } = await run(path.join(fixtures, 'python/naive-py-client.yaml'));
    expect(code).toBe(1);
    expect(summary.scenarios[0]!.outcome).toBe('fail');
    expect(summary.scenarios[0]!.outcome_reason).toBe('client exited with code 1');
  });
});
