// End to end: `wirefault run --pcap` over fixture scenarios, then every report checked by the tool that consumes it.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../runner/cli.ts';
import { codecFor } from '../../../runner/pairs/codecs.ts';
import { makeMessages, upperAscii } from '../../../runner/pairs/messages.ts';
import type { RunSummary } from '../../../runner/report-types.ts';
import { CHROMIUM, run, skipWithout } from './tools.ts';

const fixtures = path.join(import.meta.dirname, 'fixtures');
const schemas = path.join(import.meta.dirname, '../../fixtures/junit');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'wirefault-reports-test-'));
const outDir = path.join(tmp, 'run');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let code = -1;
let stdout = '';
let summary: RunSummary;
const byName = (name: string) => summary.scenarios.find((s) => s.name === name)!;

beforeAll(async () => {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const args = ['run', fixtures, '--pcap', '--out', outDir, '--log-level', 'silent', '--jobs', '3'];
  code = await main([...args, '--reporter', 'json', '--reporter', 'junit,html', '--reporter', 'github'], out, new PassThrough());
  stdout = Buffer.concat(chunks).toString();
  summary = JSON.parse(readFileSync(path.join(outDir, 'summary.json'), 'utf8')) as RunSummary;
});

describe('summary.json', () => {
  it('holds every scenario, the message boundaries and the capture file', () => {
    expect(code).toBe(1); // naive-unexpected is unmet on purpose
    expect(summary.totals).toEqual({ scenarios: 3, met: 2, unmet: 1, error: 0 });
    const framed = byName('framed-split');
    expect(framed.boundaries!.upstream).toHaveLength(20);
    expect(framed.boundaries!.downstream).toEqual(framed.boundaries!.upstream);
    expect(framed.capture).toBe('captures/framed-split.pcapng');
    expect(stdout).toMatch(/reports written in [\d.]+ ms \(json [\d.]+ ms, junit [\d.]+ ms, html [\d.]+ ms, github [\d.]+ ms\)/);
  });
});

describe('junit.xml', () => {
  const file = (): string => path.join(outDir, 'junit.xml');

  it.skipIf(skipWithout('xmllint'))('validates against the Ant and the Jenkins JUnit schemas', () => {
    for (const xsd of ['ant-junit.xsd', 'jenkins-junit.xsd']) {
      const r = run('xmllint', ['--noout', '--schema', path.join(schemas, xsd), file()]);
      expect(r.stderr).toContain('validates');
      expect(r.status).toBe(0);
    }
  });

  it.skipIf(skipWithout('xmllint'))('the schema check has teeth: a broken document is rejected', () => {
    const broken = path.join(tmp, 'broken.xml');
    writeFileSync(broken, readFileSync(file(), 'utf8').replace('<testsuites>', '<testsuites tests="3">').replace(/ type="ExpectationNotMet"/, ''));
    const r = run('xmllint', ['--noout', '--schema', path.join(schemas, 'ant-junit.xsd'), broken]);
    expect(r.status).not.toBe(0);
  });

  it('has a testsuite per folder, a testcase per scenario, and failures that say why and how to rerun', () => {
    const xml = readFileSync(file(), 'utf8');
    const suites = [...xml.matchAll(/<testsuite name="([^"]+)"[^>]* tests="(\d+)" failures="(\d+)" errors="(\d+)"/g)].map((m) => m.slice(1));
    const rel = path.relative(process.cwd(), fixtures).split(path.sep).join('/');
    expect(suites).toEqual([
      [`${rel}/lossy`, '1', '0', '0'],
      [`${rel}/stream`, '2', '1', '0'],
    ]);
    expect(xml.match(/<testcase /g)).toHaveLength(3);
    const failure = /<failure message="([^"]*)" type="ExpectationNotMet">([^<]*)<\/failure>/.exec(xml)!;
    expect(failure[1]).toMatch(/expected the pair to survive, but it failed/);
    const body = failure[2]!;
    expect(body).toContain('rerun: npx wirefault run ');
    expect(body).toContain('naive-unexpected.yaml --seed 42');
    expect(body).toMatch(/sticky_reads [1-9]/);
    expect(xml).not.toContain('<how>'); // descriptions never reach the XML unescaped
  });
});

describe('github annotations', () => {
  it('prints one ::error line per unmet scenario, pointing at its file', () => {
    const lines = stdout.split('\n').filter((l) => l.startsWith('::error'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^::error file=test\/runner\/reporters\/fixtures\/stream\/naive-unexpected\.yaml,title=wirefault%3A naive-unexpected expectation not met::expected the pair to survive/);
    expect(lines[0]).toContain('%0Arerun%3A npx wirefault run'.replace('%3A', ':'));
  });
});

/** tshark's `follow,tcp,raw` output: the bytes each way of one stream. */
function follow(file: string, stream: number): { fromClient: Buffer; fromServer: Buffer } {
  const r = run('tshark', ['-r', file, '-q', '-z', `follow,tcp,raw,${stream}`]);
  expect(r.status).toBe(0);
  const body = r.stdout.split(/^Node 1: .*$/m)[1]!.split(/^=+$/m)[0]!;
  const a: Buffer[] = [];
  const b: Buffer[] = [];
  for (const line of body.split('\n')) {
    if (line.trim() === '') continue;
    (line.startsWith('\t') ? b : a).push(Buffer.from(line.trim(), 'hex'));
  }
  return { fromClient: Buffer.concat(a), fromServer: Buffer.concat(b) };
}

describe('--pcap captures', () => {
  it.skipIf(skipWithout('tshark'))('hold both legs, and following each stream gives exactly the bytes the pair sent', () => {
    const file = path.join(outDir, byName('framed-split').capture!);
    const conv = run('tshark', ['-r', file, '-q', '-z', 'conv,tcp']).stdout;
    expect(conv.split('\n').filter((l) => /^\d+\.\d+\.\d+\.\d+:\d+\s+<->/.test(l))).toHaveLength(2); // client leg, server leg

    const codec = codecFor('length');
    const bodies = makeMessages(11, 20, 1, 80);
    const sent = Buffer.concat(bodies.map((b) => codec.encode(b)));
    const echoed = Buffer.concat(bodies.map((b) => codec.encode(upperAscii(b))));
    for (const stream of [0, 1]) {
      const { fromClient, fromServer } = follow(file, stream);
      expect(fromClient.equals(sent)).toBe(true);
      expect(fromServer.equals(echoed)).toBe(true);
    }
    // Nothing Wireshark would flag: no retransmissions, lost segments, window or checksum trouble.
    const expert = run('tshark', ['-r', file, '-q', '-z', 'expert,warn']).stdout;
    expect(expert).not.toMatch(/Warns|Errors/);
  });

  it.skipIf(skipWithout('tshark'))('carry fault events as packet comments, and the server leg lacks the dropped bytes', () => {
    const r = byName('naive-drop');
    const file = path.join(outDir, r.capture!);
    const comments = run('tshark', ['-r', file, '-Y', 'frame.comment', '-T', 'fields', '-e', 'frame.comment']).stdout;
    expect(comments).toContain('wirefault: upstream drop: 4 bytes at 15 (drop)');
    const client = follow(file, 0).fromClient;
    const server = follow(file, 1).fromClient;
    const dropped = r.proxy.traces[0]!.upstream.totals.bytesDropped;
    expect(dropped).toBeGreaterThan(0);
    expect(client.length - server.length).toBe(dropped);
    expect(client.subarray(0, 15).equals(server.subarray(0, 15))).toBe(true);
    expect(client.subarray(19, 60).equals(server.subarray(15, 56))).toBe(true);
  });
});

describe('index.html', () => {
  it('is one file that fetches nothing', () => {
    const page = readFileSync(path.join(outDir, 'index.html'), 'utf8');
    expect(page).not.toMatch(/<(link|script|img)[^>]+(href|src)="(?!data:|#|captures\/)/);
    expect(page).not.toMatch(/https?:\/\//);
  });

  it.skipIf(skipWithout('chromium'))('opens in headless Chromium: a scenario\'s timelines draw without console errors', async () => {
    const profile = mkdtempSync(path.join(tmp, 'chromium-'));
    const browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1200, height: 900 },
    });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
      page.on('request', (req) => {
        if (!req.url().startsWith('file:') && !req.url().startsWith('data:')) problems.push(`fetch: ${req.url()}`);
      });
      await page.goto(`file://${path.join(outDir, 'index.html')}`);
      expect(await page.locator('table.summary tbody tr').count()).toBe(3);

      // The unmet scenario is open from the start; a met one draws when opened.
      await page.locator('details[data-name="naive-unexpected"] svg.timeline').first().waitFor();
      const framed = page.locator('details[data-name="framed-split"]');
      expect(await framed.locator('svg.timeline').count()).toBe(0);
      await framed.locator('summary').click();
      const up = framed.locator('figure[data-dir="upstream"] svg.timeline');
      await up.waitFor();
      expect(await up.locator('path.boundary').getAttribute('data-count')).toBe('20'); // the 20 messages' ends
      expect(await up.locator('.lane.out rect.c-split').count()).toBeGreaterThan(0); // 1-9 byte pieces
      const down = framed.locator('figure[data-dir="downstream"] svg.timeline');
      expect(await down.locator('.lane.out rect.c-glued').count()).toBeGreaterThan(0); // coalesced replies
      await framed.scrollIntoViewIfNeeded();
      const shot = path.join(outDir, 'screenshots', 'framed-split.png');
      await framed.screenshot({ path: shot });
      expect(statSync(shot).size).toBeGreaterThan(10_000);
      expect(readFileSync(shot).subarray(1, 4).toString()).toBe('PNG');
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
