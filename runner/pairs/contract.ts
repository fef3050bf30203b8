// What a built-in pair provides: a server to start and a client to run, each usable on its own.
import type { Logger } from 'pino';
import type { Address, Protocol } from '../../proxy/index.ts';
import type { Framing, PairSpec } from '../scenario/pair-schema.ts';
import type { PairMetrics } from './metrics.ts';
import type { MessageBoundaries } from './boundaries.ts';

export interface PairContext {
  framing: Framing;
  spec: PairSpec;
  seed: number;
  log: Logger;
  /** Aborted at the scenario's timeout or on shutdown: stop and release everything. */
  signal: AbortSignal;
}

export interface RunningServer {
  address: Address;
  /** Server-side counters (reads seen, frames rejected...), for the report. */
  stats: Record<string, number>;
  close(): Promise<void>;
}

export interface ClientReport {
  metrics: PairMetrics;
  /** The client's own verdict: every message arrived intact. */
  survived: boolean;
  /** Why it did not survive, in a sentence. */
  reason?: string;
  /** Where its messages end on the wire, for the report's timeline (connection 0). */
  boundaries?: MessageBoundaries;
}

export interface BuiltinPair {
  protocol: Protocol;
  startServer(ctx: PairContext, listen: Address): Promise<RunningServer>;
  runClient(ctx: PairContext, target: Address): Promise<ClientReport>;
}

/** The usual verdict: every message sent came back intact, exactly once, in order. */
export function verdict(m: PairMetrics): { survived: boolean; reason?: string } {
  const clean = m.corrupted === 0 && m.duplicated === 0 && m.out_of_order === 0;
  if (m.intact === m.sent && m.received === m.sent && clean) return { survived: true };
  const parts = [`${m.intact}/${m.sent} intact`];
  for (const k of ['lost', 'corrupted', 'duplicated', 'out_of_order', 'sticky_reads', 'partial_reads'] as const) {
    if (m[k] > 0) parts.push(`${k} ${m[k]}`);
  }
  return { survived: false, reason: parts.join(', ') };
}

/** Close a stream client's books: what never came back is lost; the verdict follows. */
export function finalReport(m: PairMetrics, startedAt: number, boundaries?: MessageBoundaries): ClientReport {
  m.lost = Math.max(0, m.sent - m.received);
  m.duration_ms = Math.round(performance.now() - startedAt);
  return { metrics: m, ...(boundaries ? { boundaries } : {}), ...verdict(m) };
}
