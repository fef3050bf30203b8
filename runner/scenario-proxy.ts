// Start the right proxy (TCP or UDP) for a scenario and collect its traces for the result.
import type { Logger } from 'pino';
import { TcpProxy, type Address, type TcpConnection } from '../proxy/index.ts';
import type { LoadedScenario } from './scenario/load.ts';
import type { ConnectionTraceRecord, LinkTraceRecord } from './result.ts';
import type { Trace } from '../proxy/index.ts';

/** How many connections' traces a result keeps; the rest are counted only. */
const MAX_TRACED_CONNECTIONS = 16;
/** Events kept per link in a result: enough to draw a timeline, small enough for summary.json. */
const TRACE_LIMIT = 2_000;

function record(trace: Trace | undefined): LinkTraceRecord {
  if (!trace) {
    return {
      totals: { bytesIn: 0, bytesOut: 0, chunksIn: 0, chunksOut: 0, bytesDropped: 0, corrupted: 0, duplicated: 0, reordered: 0, truncated: 0 },
      events: [],
      omitted: 0,
    };
  }
  return { totals: { ...trace.totals }, events: trace.events, omitted: trace.omitted };
}

export interface ScenarioProxy {
  address: Address;
  traces(): { connections: number; traces: ConnectionTraceRecord[] };
  close(): Promise<void>;
}

export async function startScenarioProxy(
  scenario: LoadedScenario,
  target: Address,
  seed: number,
  log: Logger,
): Promise<ScenarioProxy> {
  const listen = scenario.proxy.listen ?? { host: '127.0.0.1', port: 0 };
  const proxy = new TcpProxy({ config: scenario.proxy, target, listen, seed, log, traceLimit: TRACE_LIMIT });
  const seen: TcpConnection[] = [];
  let count = 0;
  proxy.on('connection', (conn) => {
    count++;
    if (seen.length < MAX_TRACED_CONNECTIONS) seen.push(conn);
  });
  const address = await proxy.listen();
  return {
    address,
    traces: () => ({
      connections: count,
      traces: seen.map((c) => ({ index: c.index, upstream: record(c.upstream?.trace), downstream: record(c.downstream?.trace) })),
    }),
    close: () => proxy.close(),
  };
}
