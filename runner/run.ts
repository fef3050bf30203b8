// Run a list of scenarios: validate all first, shard, filter, run up to --jobs at once, summarise.
import type { Logger } from 'pino';
import { runScenario } from './orchestrate.ts';
import type { RunSummary, ScenarioResult } from './result.ts';
import type { LoadedScenario } from './scenario/load.ts';
import { DEFAULT_REPORTERS, type ReporterName } from './reporters/registry.ts';
import { writeReports, type ReportTiming } from './reporters/write.ts';

export interface RunPlan {
  scenarios: LoadedScenario[];
  seed?: number;
  jobs: number;
  outDir: string;
  runId: string;
  shard?: { index: number; count: number };
  log: Logger;
  signal?: AbortSignal;
  /** Called as scenarios start and finish, for the console. */
  onStart?(s: LoadedScenario): void;
  onResult?(r: ScenarioResult, done: number, total: number): void;
  /** Reports to write once every scenario is done (default json, junit, html). */
  reporters?: readonly ReporterName[];
  /** Where console reporters (github) print; default process.stdout. */
  out?: NodeJS.WritableStream;
  /** Capture each scenario's traffic as pcapng under <outDir>/captures/ (--pcap). */
  pcap?: boolean;
  /** Called with how long each report took, after they are written. */
  onReports?(timings: ReportTiming[]): void;
}

/**
 * Which scenarios shard I of N runs: every N-th of the list sorted by path, so N CI jobs together
 * run each scenario exactly once, and the split does not depend on the machine.
 */
export function shardOf<T extends { file: string }>(items: T[], index: number, count: number): T[] {
  return [...items].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0)).filter((_, i) => i % count === index - 1);
}

export function newRunId(now = new Date()): string {
  return now.toISOString().replace(/[:.]/g, '-');
}

export async function runAll(plan: RunPlan): Promise<RunSummary> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const results: ScenarioResult[] = new Array(plan.scenarios.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < plan.scenarios.length && !plan.signal?.aborted) {
      const i = next++;
      const scenario = plan.scenarios[i]!;
      plan.onStart?.(scenario);
      const result = await runScenario(scenario, {
        log: plan.log,
        ...(plan.seed !== undefined ? { seed: plan.seed } : {}),
        ...(plan.signal ? { signal: plan.signal } : {}),
        ...(plan.pcap ? { pcapDir: plan.outDir } : {}),
      });
      results[i] = result;
      plan.onResult?.(result, ++done, plan.scenarios.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(plan.jobs, plan.scenarios.length)) }, worker));
  const finished = results.filter((r): r is ScenarioResult => r !== undefined);
  const summary: RunSummary = {
    run_id: plan.runId,
    started_at: startedAt,
    duration_ms: Math.round(performance.now() - started),
    ...(plan.seed !== undefined ? { seed_override: plan.seed } : {}),
    ...(plan.shard ? { shard: `${plan.shard.index}/${plan.shard.count}` } : {}),
    totals: {
      scenarios: finished.length,
      met: finished.filter((r) => r.status === 'met').length,
      unmet: finished.filter((r) => r.status === 'unmet').length,
      error: finished.filter((r) => r.status === 'error').length,
    },
    scenarios: finished,
  };
  const timings = await writeReports(plan.reporters ?? DEFAULT_REPORTERS, {
    summary,
    outDir: plan.outDir,
    out: plan.out ?? process.stdout,
    log: plan.log,
  });
  plan.onReports?.(timings);
  return summary;
}
