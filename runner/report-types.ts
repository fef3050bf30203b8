// The published shape of summary.json: import these types to read a report (documented in docs/summary.md).
export type { RunSummary, ScenarioResult, ConnectionTraceRecord, LinkTraceRecord } from './result.ts';
export type { PairMetrics } from './pairs/metrics.ts';
export type { MessageBoundaries } from './pairs/boundaries.ts';
export type { ProcessOutput } from './pairs/external.ts';
export type { ResolvedFault, TraceEvent, TraceKind, TraceTotals } from '../proxy/index.ts';
export type { Reporter, ReportContext } from './reporters/contract.ts';
export type { ReporterName } from './reporters/registry.ts';
