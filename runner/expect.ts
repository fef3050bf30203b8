// Judge a scenario's result against its `expect` section: outcome, metric bounds.
import type { Expectations, MetricName } from './scenario/pair-schema.ts';
import type { PairMetrics } from './pairs/metrics.ts';

/** Every way the result misses the expectations, as sentences; empty when all are met. */
export function unmetExpectations(
  expect: Expectations,
  outcome: 'pass' | 'fail',
  outcomeReason: string | undefined,
  metrics: PairMetrics | undefined,
  /** Why metrics may be missing, for the message: a command client, a timeout. */
  noMetricsBecause = 'the client is a command; only its exit code is known',
): string[] {
  const reasons: string[] = [];
  if (outcome !== expect.outcome) {
    reasons.push(
      expect.outcome === 'pass'
        ? `expected the pair to survive, but it failed${outcomeReason ? `: ${outcomeReason}` : ''}`
        : 'expected the pair to break, but it survived',
    );
  }
  for (const [name, bound] of Object.entries(expect.metrics) as [MetricName, { min?: number; max?: number }][]) {
    const value = metrics?.[name];
    if (value === undefined) {
      reasons.push(`metric ${name}: not reported (${noMetricsBecause})`);
      continue;
    }
    if (bound.min !== undefined && value < bound.min) reasons.push(`metric ${name}: expected at least ${bound.min}, got ${value}`);
    if (bound.max !== undefined && value > bound.max) reasons.push(`metric ${name}: expected at most ${bound.max}, got ${value}`);
  }
  return reasons;
}
