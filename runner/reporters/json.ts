// The `json` reporter: summary.json, the whole run as data (shape: runner/report-types.ts, docs/summary.md).
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Reporter } from './contract.ts';

export const SUMMARY_FILE = 'summary.json';

export const json: Reporter = {
  description: `${SUMMARY_FILE}: every scenario with seed, faults, outcome, metrics, timings, traces and the rerun command`,
  async write({ summary, outDir }) {
    const file = path.join(outDir, SUMMARY_FILE);
    await writeFile(file, `${JSON.stringify(summary, null, 2)}\n`);
    return [file];
  },
};
