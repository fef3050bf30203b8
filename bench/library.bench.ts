// The shipped scenario library's wall time: `wirefault run scenarios` as a user runs it (default
// reporters, --jobs = cores), median of BENCH_LIBRARY_RUNS (3) runs, each in a fresh process.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './lib/processes.ts';
import { fmt, median } from './lib/stats.ts';
import { recordFigure } from './lib/figures.ts';

const RUNS = Number(process.env.BENCH_LIBRARY_RUNS ?? 3);
/** A library run longer than this is a hang: killed, and the bench reports it. */
const RUN_TIMEOUT_MS = 300_000;

interface Totals {
  scenarios: number;
  met: number;
  unmet: number;
  error: number;
}

async function runLibrary(): Promise<{ seconds: number; exitCode: number | null; totals: Totals | undefined }> {
  const out = mkdtempSync(path.join(os.tmpdir(), 'wirefault-bench-library-'));
  try {
    const started = performance.now();
    const proc = spawn(process.execPath, [path.join(ROOT, 'bin/wirefault.js'), 'run', 'scenarios', '--out', out], {
      cwd: ROOT,
      stdio: 'ignore',
    });
    const timer = setTimeout(() => proc.kill('SIGKILL'), RUN_TIMEOUT_MS);
    try {
      const [exitCode] = (await once(proc, 'exit')) as [number | null];
      const seconds = (performance.now() - started) / 1000;
      let totals: Totals | undefined;
      try {
        totals = (JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8')) as { totals: Totals }).totals;
      } catch {
        totals = undefined;
      }
      return { seconds, exitCode, totals };
    } finally {
      clearTimeout(timer);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

export async function libraryBench(): Promise<string> {
  const runs: Awaited<ReturnType<typeof runLibrary>>[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await runLibrary());
  const seconds = runs.map((r) => r.seconds);
  const last = runs[runs.length - 1]!;
  const t = last.totals;
  recordFigure({ bench: 'library', name: 'scenario library wall time', value: median(seconds), unit: 's', runs: seconds });
  return [
    '## Scenario library',
    '',
    `\`wirefault run scenarios\` (${t ? `${t.scenarios} scenarios: ${t.met} met, ${t.unmet} unmet, ${t.error} errors` : 'no summary.json'}; exit ${last.exitCode}; default reporters json, junit, html; --jobs ${os.availableParallelism()}):`,
    `median ${fmt(median(seconds), 2)} s of ${RUNS} runs (${seconds.map((s) => fmt(s, 2)).join(', ')} s).`,
    '',
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${await libraryBench()}\n`);
}
