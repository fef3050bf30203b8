// Start the right proxy (TCP or UDP) for a scenario and collect its traces for the result.
import type { Logger } from 'pino';
import type { Capture } from '../proxy/capture.ts';
import { TcpProxy, UdpProxy, type Address, type Trace } from '../proxy/index.ts';
import type { LoadedScenario } from './scenario/load.ts';
import type { ConnectionTraceRecord, LinkTraceRecord } from './result.ts';

/** How many connections' (sessions') traces a result keeps; the rest are counted only. */
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

/** What both proxies offer per connection or session: an index and a trace each way. */
interface Traced {
  index: number;
  upstream?: { trace: Trace } | undefined;
  downstream?: { trace: Trace } | undefined;
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
  /** Packet capture of both legs (--pcap). */
  capture?: Capture,
): Promise<ScenarioProxy> {
  const listen = scenario.proxy.listen ?? { host: '127.0.0.1', port: 0 };
  const opts = { config: scenario.proxy, target, listen, seed, log, traceLimit: TRACE_LIMIT };
  const seen: Traced[] = [];
  let count = 0;
  const track = (c: Traced): void => {
    count++;
    if (seen.length < MAX_TRACED_CONNECTIONS) seen.push(c);
  };
  let proxy: TcpProxy | UdpProxy;
  if (scenario.protocol === 'udp') {
    const udp = new UdpProxy({ ...opts, ...(capture ? { capture } : {}) });
    udp.on('session', track);
    proxy = udp;
  } else {
    const tcp = new TcpProxy({ ...opts, ...(capture ? { capture } : {}) });
    tcp.on('connection', track);
    if (capture) tcp.on('closed', (conn) => capture.endTcp(conn.index));
    proxy = tcp;
  }
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
