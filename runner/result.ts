// The shape of one scenario's result, as written to summary.json (documented in docs/summary.md).
import type { ResolvedFault, TraceEvent, TraceTotals } from '../proxy/index.ts';
import type { PairMetrics } from './pairs/metrics.ts';
import type { MessageBoundaries } from './pairs/boundaries.ts';
import type { ProcessOutput } from './pairs/external.ts';

export interface LinkTraceRecord {
  totals: TraceTotals;
  /** Kept events (bounded); `omitted` counts the rest. */
  events: TraceEvent[];
  omitted: number;
}

export interface ConnectionTraceRecord {
  /** Connection (TCP) or session (UDP) index. */
  index: number;
  upstream: LinkTraceRecord;
  downstream: LinkTraceRecord;
}

export interface ScenarioResult {
  name: string;
  /** Path relative to the working directory. */
  file: string;
  description: string;
  protocol: 'tcp' | 'udp';
  seed: number;
  faults: { upstream: ResolvedFault[]; downstream: ResolvedFault[] };
  /** met: every expectation held; unmet: some did not; error: the scenario could not run. */
  status: 'met' | 'unmet' | 'error';
  /** What the pair did: survived (pass), broke (fail), or could not be judged (error). */
  outcome: 'pass' | 'fail' | 'error';
  expected_outcome: 'pass' | 'fail';
  /** Why the pair failed, in a sentence (when it did). */
  outcome_reason?: string;
  /** Why expectations were not met; empty when status is met. */
  reasons: string[];
  /** Metrics of a built-in client; absent when the client is a command. */
  metrics?: PairMetrics;
  server_stats?: Record<string, number>;
  started_at: string;
  duration_ms: number;
  /** The command that reruns exactly this scenario with this seed. */
  rerun: string;
  proxy: { connections: number; traces: ConnectionTraceRecord[] };
  /** Where the first built-in client's messages end in connection 0's streams; absent for command clients. */
  boundaries?: MessageBoundaries;
  /** The scenario's packet capture (--pcap), relative to the report folder. */
  capture?: string;
  output?: { server?: ProcessOutput; client?: ProcessOutput };
}

export interface RunSummary {
  run_id: string;
  started_at: string;
  duration_ms: number;
  /** The --seed given to the run, if any (each scenario records the seed it used). */
  seed_override?: number;
  shard?: string;
  totals: { scenarios: number; met: number; unmet: number; error: number };
  scenarios: ScenarioResult[];
}
