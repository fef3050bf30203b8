// `run --pcap` on a UDP scenario: tshark reads the capture, one frame per datagram on each leg.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../runner/cli.ts';
import type { RunSummary } from '../../runner/result.ts';

const hasTshark = spawnSync('sh', ['-c', 'command -v tshark']).status === 0;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'wirefault-pcap-udp-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('UDP packet capture', () => {
  // CI installs tshark (.ci/run); there a missing tshark is a failure, not a skip.
  it.runIf(hasTshark || process.env.CI === 'true')('holds every datagram of both legs, with the drops as comments', async () => {
    const out = path.join(tmp, 'run');
    const file = path.join(import.meta.dirname, '../fixtures/scenarios/udp/udp-loss.yaml');
    const code = await main(['run', file, '--pcap', '--out', out, '--log-level', 'silent'], new PassThrough().resume(), new PassThrough());
    expect(code).toBe(0);
    const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8')) as RunSummary;
    const { upstream, downstream } = summary.scenarios[0]!.proxy.traces[0]!;
    const pcap = path.join(out, 'captures', 'udp-loss.pcapng');
    const frames = execFileSync('tshark', ['-r', pcap, '-T', 'fields', '-e', 'udp.length'], { encoding: 'utf8' })
      .trim()
      .split('\n');
    const datagrams = upstream.totals.chunksIn + upstream.totals.chunksOut + downstream.totals.chunksIn + downstream.totals.chunksOut;
    expect(frames.length).toBe(datagrams);
    const payload = frames.reduce((sum, len) => sum + Number(len) - 8, 0);
    expect(payload).toBe(upstream.totals.bytesIn + upstream.totals.bytesOut + downstream.totals.bytesIn + downstream.totals.bytesOut);
    const comments = execFileSync('tshark', ['-r', pcap, '-Y', 'frame.comment', '-T', 'fields', '-e', 'frame.comment'], { encoding: 'utf8' });
    expect(comments).toMatch(/drop/);
  });
});
