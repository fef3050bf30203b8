// The `junit` reporter: junit.xml for CI systems — a testsuite per scenario folder, a testcase per scenario.
//
// The document is valid against both the Apache Ant JUnit schema (the strict one: no attributes
// on <testsuites>, properties/system-out/system-err present, timestamps without a zone) and
// Jenkins' looser junit-10 schema, so Jenkins, GitLab, GitHub test-report actions and Azure
// all read it. test/fixtures/junit/ holds both schemas; the tests validate against them.
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RunSummary, ScenarioResult } from '../result.ts';
import type { Reporter } from './contract.ts';

export const JUNIT_FILE = 'junit.xml';
/** Process output quoted in a failure body, per stream: the tail, where the error usually is. */
const OUTPUT_TAIL = 4_000;

/** Escape for XML text and attribute values; drop characters XML 1.0 cannot hold at all. */
export function xmlEscape(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

const attr = (text: string): string => xmlEscape(text).replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');

/** The folder a scenario's file is in, as written in the summary ("scenarios/tcp"). */
export function suiteOf(r: ScenarioResult): string {
  const dir = path.posix.dirname(r.file.split(path.sep).join('/'));
  return dir === '' ? '.' : dir;
}

const seconds = (ms: number): string => (Math.max(0, ms) / 1000).toFixed(3);

/** Ant's schema wants a local-style timestamp without a zone; ours are UTC. */
function timestamp(iso: string): string {
  const d = new Date(iso);
  return (Number.isNaN(d.getTime()) ? new Date(0) : d).toISOString().slice(0, 19);
}

function tail(text: string): string {
  return text.length > OUTPUT_TAIL ? `…${text.slice(-OUTPUT_TAIL)}` : text;
}

/** The failure body: why, what the pair did, and how to get the same run again. */
export function failureBody(r: ScenarioResult): string {
  const lines = [...r.reasons];
  lines.push(`outcome: ${r.outcome} (expected ${r.expected_outcome})${r.outcome_reason ? ` — ${r.outcome_reason}` : ''}`);
  if (r.metrics) {
    const m = r.metrics;
    lines.push(
      `metrics: sent ${m.sent}, received ${m.received}, intact ${m.intact}, corrupted ${m.corrupted}, lost ${m.lost}, ` +
        `duplicated ${m.duplicated}, out_of_order ${m.out_of_order}, sticky_reads ${m.sticky_reads}, partial_reads ${m.partial_reads}`,
    );
  }
  lines.push(`seed: ${r.seed}`, `file: ${r.file}`, `rerun: ${r.rerun}`);
  for (const side of ['client', 'server'] as const) {
    const o = r.output?.[side];
    if (!o) continue;
    lines.push(`${side} command: ${o.cmd} (exit ${o.exit_code ?? `signal ${o.signal}`})`);
    if (o.stdout) lines.push(`${side} stdout:`, tail(o.stdout));
    if (o.stderr) lines.push(`${side} stderr:`, tail(o.stderr));
  }
  return lines.join('\n');
}

function testcase(r: ScenarioResult, classname: string): string {
  const open = `    <testcase name="${attr(r.name)}" classname="${attr(classname)}" time="${seconds(r.duration_ms)}"`;
  if (r.status === 'met') return `${open}/>`;
  const tag = r.status === 'error' ? 'error' : 'failure';
  const message = r.reasons[0] ?? r.outcome_reason ?? r.status;
  return [
    `${open}>`,
    `      <${tag} message="${attr(message)}" type="${r.status === 'error' ? 'ScenarioError' : 'ExpectationNotMet'}">${xmlEscape(failureBody(r))}</${tag}>`,
    '    </testcase>',
  ].join('\n');
}

export function junitXml(summary: RunSummary, hostname = os.hostname() || 'localhost'): string {
  const suites = new Map<string, ScenarioResult[]>();
  for (const r of summary.scenarios) {
    const name = suiteOf(r);
    const list = suites.get(name) ?? [];
    list.push(r);
    suites.set(name, list);
  }
  const out = ['<?xml version="1.0" encoding="UTF-8"?>', '<testsuites>'];
  let id = 0;
  for (const [name, results] of [...suites].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const pkg = name.replace(/^\.\//, '').replace(/\//g, '.') || '.';
    const started = results.map((r) => r.started_at).sort()[0] ?? summary.started_at;
    const count = (s: ScenarioResult['status']): number => results.filter((r) => r.status === s).length;
    const time = results.reduce((t, r) => t + r.duration_ms, 0);
    out.push(
      `  <testsuite name="${attr(name)}" package="${attr(pkg)}" id="${id++}" hostname="${attr(hostname)}" ` +
        `timestamp="${timestamp(started)}" tests="${results.length}" failures="${count('unmet')}" errors="${count('error')}" time="${seconds(time)}">`,
      '    <properties>',
      `      <property name="run_id" value="${attr(summary.run_id)}"/>`,
      ...(summary.seed_override !== undefined ? [`      <property name="seed" value="${summary.seed_override}"/>`] : []),
      ...(summary.shard ? [`      <property name="shard" value="${attr(summary.shard)}"/>`] : []),
      '    </properties>',
      ...results.map((r) => testcase(r, pkg)),
      `    <system-out>${xmlEscape(results.map((r) => `${r.name}: ${r.status}, ${r.outcome} (expected ${r.expected_outcome}), seed ${r.seed}, ${r.duration_ms} ms`).join('\n'))}</system-out>`,
      '    <system-err></system-err>',
      '  </testsuite>',
    );
  }
  out.push('</testsuites>', '');
  return out.join('\n');
}

export const junit: Reporter = {
  description: `${JUNIT_FILE}: JUnit XML for CI (a testsuite per scenario folder, a testcase per scenario)`,
  async write({ summary, outDir }) {
    const file = path.join(outDir, JUNIT_FILE);
    await writeFile(file, junitXml(summary));
    return [file];
  },
};
