// Reporter pieces without a run: choosing reporters, annotation escaping, JUnit escaping and error cases.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { BadFlagError, ReportWriteError } from '../../../runner/errors.ts';
import { annotation, escapeData } from '../../../runner/reporters/github.ts';
import { junitXml } from '../../../runner/reporters/junit.ts';
import { renderPage } from '../../../runner/reporters/html/page.ts';
import { DEFAULT_REPORTERS, chooseReporters } from '../../../runner/reporters/registry.ts';
import { writeReports } from '../../../runner/reporters/write.ts';
import type { RunSummary, ScenarioResult } from '../../../runner/report-types.ts';
import { run, skipWithout } from './tools.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'wirefault-reporters-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const schemas = path.join(import.meta.dirname, '../../fixtures/junit');

function result(over: Partial<ScenarioResult>): ScenarioResult {
  return {
    name: 'x',
    file: 'scenarios/tcp/x.yaml',
    description: '',
    protocol: 'tcp',
    seed: 1,
    faults: { upstream: [], downstream: [] },
    status: 'met',
    outcome: 'pass',
    expected_outcome: 'pass',
    reasons: [],
    started_at: '2026-01-02T03:04:05.678Z',
    duration_ms: 12,
    rerun: 'npx wirefault run scenarios/tcp/x.yaml --seed 1',
    proxy: { connections: 0, traces: [] },
    ...over,
  };
}

function summaryOf(scenarios: ScenarioResult[]): RunSummary {
  const n = (s: ScenarioResult['status']) => scenarios.filter((r) => r.status === s).length;
  return {
    run_id: 'r1',
    started_at: '2026-01-02T03:04:05.000Z',
    duration_ms: 50,
    totals: { scenarios: scenarios.length, met: n('met'), unmet: n('unmet'), error: n('error') },
    scenarios,
  };
}

describe('choosing reporters', () => {
  it('defaults, repeats and commas, GitHub Actions adds github, unknown names are flag errors', () => {
    expect(chooseReporters(undefined, {})).toEqual([...DEFAULT_REPORTERS]);
    expect(chooseReporters(['junit', 'json,junit'], {})).toEqual(['junit', 'json']);
    expect(chooseReporters(['json'], { GITHUB_ACTIONS: 'true' })).toEqual(['json', 'github']);
    expect(() => chooseReporters(['xml'], {})).toThrow(BadFlagError);
    expect(() => chooseReporters(['toString'], {})).toThrow(/expected one of json, junit, html, github/);
  });
});

describe('github annotations', () => {
  it('escape newlines and percent signs in the message, and colons and commas in properties', () => {
    expect(escapeData('50%\nnext\r')).toBe('50%25%0Anext%0D');
    const line = annotation(result({ name: 'a,b', file: 'dir:x/a,b.yaml', status: 'unmet', reasons: ['one', 'two'] }));
    expect(line).toBe(
      '::error file=dir%3Ax/a%2Cb.yaml,title=wirefault%3A a%2Cb expectation not met::one%0Atwo%0Arerun: npx wirefault run scenarios/tcp/x.yaml --seed 1',
    );
    expect(line.split('\n')).toHaveLength(1);
  });
});

describe('junit.xml', () => {
  const summary = summaryOf([
    result({ name: 'ok' }),
    result({ name: 'broke', status: 'unmet', outcome: 'fail', reasons: ['expected <pass> & got "fail"\u0001'], outcome_reason: '0/3 intact' }),
    result({
      name: 'crashed',
      file: 'other/crashed.yaml',
      status: 'error',
      outcome: 'error',
      reasons: ['server exited'],
      output: { server: { cmd: 'python3 s.py', stdout: 'x'.repeat(10_000), stderr: 'Traceback: boom', exit_code: 1, signal: null } },
    }),
  ]);
  const xml = junitXml(summary, 'host');

  it('counts failures and errors per folder, and escapes what XML cannot hold', () => {
    expect(xml).toContain('<testsuite name="other" package="other" id="0" hostname="host" timestamp="2026-01-02T03:04:05" tests="1" failures="0" errors="1"');
    expect(xml).toContain('<testsuite name="scenarios/tcp" package="scenarios.tcp" id="1" hostname="host" timestamp="2026-01-02T03:04:05" tests="2" failures="1" errors="0"');
    expect(xml).toContain('message="expected &lt;pass&gt; &amp; got &quot;fail&quot;\uFFFD"');
    expect(xml).toContain('<error message="server exited" type="ScenarioError">');
    expect(xml).toContain('server stderr:\nTraceback: boom');
    expect(xml.length).toBeLessThan(20_000); // process output is quoted as a bounded tail
  });

  it.skipIf(skipWithout('xmllint'))('is valid for both schemas, errors and all', () => {
    const file = path.join(tmp, 'junit.xml');
    writeFileSync(file, xml);
    for (const xsd of ['ant-junit.xsd', 'jenkins-junit.xsd']) {
      expect(run('xmllint', ['--noout', '--schema', path.join(schemas, xsd), file]).status).toBe(0);
    }
  });
});

describe('writing reports', () => {
  it('times each reporter and writes its files', async () => {
    const out = path.join(tmp, 'out');
    const timings = await writeReports(['json', 'html'], { summary: summaryOf([result({})]), outDir: out, out: process.stdout, log: pino({ level: 'silent' }) });
    expect(timings.map((t) => t.reporter)).toEqual(['json', 'html']);
    expect(timings[0]!.files).toEqual([path.join(out, 'summary.json')]);
    expect(JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8')).run_id).toBe('r1');
  });

  it('an --out that is a file is a coded ERR_REPORT_WRITE', async () => {
    const file = path.join(tmp, 'a-file');
    writeFileSync(file, '');
    const err = await writeReports(['json'], { summary: summaryOf([]), outDir: file, out: process.stdout, log: pino({ level: 'silent' }) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReportWriteError);
    expect((err as ReportWriteError).code).toBe('ERR_REPORT_WRITE');
  });
});

describe('index.html for a large run', () => {
  it('renders 100 scenarios with big traces quickly and in bounded size', () => {
    const events = [];
    for (let i = 0; i < 2000; i++) events.push({ t: i * 0.1, kind: i % 2 ? ('out' as const) : ('in' as const), offset: Math.floor(i / 2) * 50, size: 50 });
    const trace = { totals: { bytesIn: 50_000, bytesOut: 50_000, chunksIn: 1000, chunksOut: 1000, bytesDropped: 0, corrupted: 0, duplicated: 0, reordered: 0, truncated: 0 }, events, omitted: 5000 };
    const ends = Array.from({ length: 2000 }, (_, i) => (i + 1) * 25);
    const scenarios = Array.from({ length: 100 }, (_, i) =>
      result({ name: `s${i}`, boundaries: { upstream: ends, downstream: ends, omitted: 0 }, proxy: { connections: 1, traces: [{ index: 0, upstream: trace, downstream: trace }] } }),
    );
    const started = performance.now();
    const page = renderPage(summaryOf(scenarios));
    const ms = performance.now() - started;
    expect(ms).toBeLessThan(5_000);
    expect(page.length).toBeLessThan(8 * 1024 * 1024);
    expect(page.match(/<svg class="timeline"/g)).toHaveLength(200);
    expect(page).toContain('more not drawn');
  });
});
