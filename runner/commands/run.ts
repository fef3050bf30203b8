// `wirefault run [PATH...]`: run scenarios behind the proxy and check their expectations.
import os from 'node:os';
import path from 'node:path';
import { intFlag, logLevelFlag, parseFlags } from '../cli-args.ts';
import { Progress, summaryTable } from '../console.ts';
import { BadFlagError } from '../errors.ts';
import { createLogger } from '../logger.ts';
import { newRunId, runAll, shardOf } from '../run.ts';
import { discoverScenarios } from '../scenario/discover.ts';
import { loadScenario } from '../scenario/load.ts';
import { REPORTERS, chooseReporters } from '../reporters/registry.ts';
import type { ReportTiming } from '../reporters/write.ts';

export const runHelp = `Usage: wirefault run [PATH...] [options]

Runs every scenario under PATH (files or folders; default scenarios/). Each scenario starts its
server, the fault proxy in front of it and its client, then checks the expectations.
Exit code: 0 every expectation met, 1 some not met, 2 bad input (scenario or flag).

  --seed N          use this seed for every scenario (default: each scenario's own seed)
  --grep RE         only scenarios whose name or path matches RE
  --shard I/N       run only the I-th of N shards (1-based), for CI matrices
  --jobs N          scenarios run at once (default: number of CPU cores)
  --out DIR         where to write the report (default reports/<run-id>/)
  --reporter NAME   a report to write; repeat for several (default: json, junit, html):
${Object.entries(REPORTERS)
  .map(([name, r]) => `                      ${name.padEnd(7)} ${r.description}`)
  .join('\n')}
  --pcap            also write a pcapng capture of each scenario (both legs) under <out>/captures/
  --log-level LEVEL fatal|error|warn|info|debug|trace|silent (default warn)
`;

export function parseShard(value: string | undefined): { index: number; count: number } | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(value.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) {
    throw new BadFlagError(`--shard: expected I/N with 1 <= I <= N (e.g. 2/3), found ${JSON.stringify(value)}`);
  }
  return { index, count };
}

function grepFlag(value: string | undefined): RegExp | undefined {
  if (value === undefined) return undefined;
  try {
    return new RegExp(value);
  } catch (err) {
    throw new BadFlagError(`--grep: expected a regular expression, found ${JSON.stringify(value)} (${(err as Error).message})`);
  }
}

/** Where the reports are and what they cost: `reports (json 3 ms, html 41 ms): reports/<id>/index.html ...`. */
function reportLine(outDir: string, timings: readonly ReportTiming[]): string {
  const total = timings.reduce((t, r) => t + r.ms, 0);
  const each = timings.map((r) => `${r.reporter} ${r.ms} ms`).join(', ');
  const files = timings.flatMap((r) => r.files);
  return `reports written in ${Math.round(total * 10) / 10} ms (${each})${files.length ? `:\n  ${files.join('\n  ')}` : `: ${outDir}`}`;
}

export async function runCommand(args: string[], out: NodeJS.WritableStream): Promise<number> {
  const { values, positionals } = parseFlags('run', args, {
    seed: { type: 'string' },
    grep: { type: 'string' },
    shard: { type: 'string' },
    jobs: { type: 'string' },
    out: { type: 'string' },
    reporter: { type: 'string', multiple: true },
    pcap: { type: 'boolean' },
    'log-level': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    out.write(runHelp);
    return 0;
  }
  const seed = intFlag('seed', values.seed, 0, 2 ** 32 - 1);
  const jobs = intFlag('jobs', values.jobs, 1, 256) ?? os.availableParallelism();
  const shard = parseShard(values.shard);
  const grep = grepFlag(values.grep);
  const reporters = chooseReporters(values.reporter);
  const log = createLogger(values['log-level'] === undefined ? 'warn' : logLevelFlag(values['log-level']));

  // Everything is validated before anything starts: one bad file stops the run with exit 2.
  const files = discoverScenarios(positionals.length > 0 ? positionals : ['scenarios']);
  let scenarios = files.map((f) => loadScenario(f));
  if (grep) scenarios = scenarios.filter((s) => grep.test(s.name) || grep.test(path.relative(process.cwd(), s.file)));
  if (shard) scenarios = shardOf(scenarios, shard.index, shard.count);
  if (scenarios.length === 0 && files.length === 0) throw new BadFlagError('wirefault run: no scenario files found');

  const runId = newRunId();
  const outDir = values.out ?? path.join('reports', runId);
  const progress = new Progress(out, scenarios.length);
  let timings: ReportTiming[] = [];
  const abort = new AbortController();
  const stop = (): void => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const summary = await runAll({
      scenarios,
      ...(seed !== undefined ? { seed } : {}),
      jobs,
      outDir,
      runId,
      ...(shard ? { shard } : {}),
      log,
      signal: abort.signal,
      onStart: (s) => progress.start(s.name),
      onResult: (r) => progress.finish(r),
      reporters,
      out,
      pcap: values.pcap === true,
      onReports: (t) => (timings = t),
    });
    out.write(`\n${summaryTable(summary)}\n${reportLine(outDir, timings)}\n`);
    if (abort.signal.aborted) return 1;
    return summary.totals.unmet + summary.totals.error === 0 ? 0 : 1;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
