// The shipped scenario library: every file validates, the README table is current, a subset runs.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../runner/cli.ts';
import type { RunSummary } from '../../runner/result.ts';
import { discoverScenarios } from '../../runner/scenario/discover.ts';
import { loadScenario } from '../../runner/scenario/load.ts';
import { scenarioTable, withTable } from '../../runner/scenario/table.ts';

const root = path.join(import.meta.dirname, '../..');
const library = path.join(root, 'scenarios');
const files = discoverScenarios([library]);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'wirefault-library-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('scenario library', () => {
  it.each(files.map((f) => path.relative(library, f)))('%s passes wirefault check and explains itself', (rel) => {
    const s = loadScenario(path.join(library, rel));
    expect(s.description.length).toBeGreaterThan(40);
  });

  it('pairs every naive scenario with a correct one in the same folder', () => {
    const loaded = files.map((f) => loadScenario(f));
    for (const dir of new Set(loaded.map((s) => path.dirname(s.file)))) {
      const here = loaded.filter((s) => path.dirname(s.file) === dir);
      expect(here.some((s) => s.expect.outcome === 'fail'), dir).toBe(true);
      expect(here.some((s) => s.expect.outcome === 'pass'), dir).toBe(true);
    }
  });

  it('has a README table generated from the files (run `npm run docs` if this fails)', () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    expect(withTable(readme, scenarioTable(library, root))).toBe(readme);
  });

  it('runs a representative subset end to end with every expectation met', async () => {
    const out = new PassThrough();
    out.resume();
    const outDir = path.join(tmp, 'subset');
    const code = await main(
      ['run', library, '--grep', 'sticky-coalesce|split-mtu|command-json-header$|file-json-header|json-header-python-pair|loss-random-naive|reliable-loss|truncate-naive', '--out', outDir, '--log-level', 'silent'],
      out,
      new PassThrough(),
    );
    const summary = JSON.parse(readFileSync(path.join(outDir, 'summary.json'), 'utf8')) as RunSummary;
    expect(summary.scenarios.map((s) => `${s.name}: ${s.status} ${s.reasons.join('; ')}`).filter((l) => !l.includes(': met'))).toEqual([]);
    expect(summary.totals.scenarios).toBeGreaterThanOrEqual(9);
    expect(new Set(summary.scenarios.map((s) => s.protocol))).toEqual(new Set(['tcp', 'udp']));
    expect(code).toBe(0);
  });
});
