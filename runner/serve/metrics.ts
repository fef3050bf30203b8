// GET /metrics: byte counters per proxy and direction in the Prometheus text format (Toxiproxy's names).
import type { ServedProxy } from './proxies.ts';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Label values escape backslash, double quote and newline (Prometheus exposition format). */
function label(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labels(pairs: Record<string, string>): string {
  return `{${Object.entries(pairs)
    .map(([k, v]) => `${k}="${label(v)}"`)
    .join(',')}}`;
}

interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  samples: string[];
}

export function renderMetrics(proxies: readonly ServedProxy[]): string {
  const received: Family = {
    name: 'toxiproxy_proxy_received_bytes_total',
    help: 'Bytes the proxy read, by direction: upstream from the client, downstream from the server.',
    type: 'counter',
    samples: [],
  };
  const sent: Family = {
    name: 'toxiproxy_proxy_sent_bytes_total',
    help: 'Bytes the proxy wrote after its toxics, by direction: upstream to the server, downstream to the client.',
    type: 'counter',
    samples: [],
  };
  const connections: Family = {
    name: 'wirefault_proxy_connections_total',
    help: 'Connections accepted by the proxy.',
    type: 'counter',
    samples: [],
  };
  const active: Family = {
    name: 'wirefault_proxy_active_connections',
    help: 'Connections open through the proxy now.',
    type: 'gauge',
    samples: [],
  };
  for (const proxy of proxies) {
    const traffic = proxy.traffic();
    for (const direction of ['upstream', 'downstream'] as const) {
      const l = labels({ direction, listener: proxy.listen, proxy: proxy.name, upstream: proxy.upstream });
      received.samples.push(`${received.name}${l} ${traffic[direction].received}`);
      sent.samples.push(`${sent.name}${l} ${traffic[direction].sent}`);
    }
    const l = labels({ proxy: proxy.name });
    connections.samples.push(`${connections.name}${l} ${proxy.connectionsTotal}`);
    active.samples.push(`${active.name}${l} ${proxy.activeConnections}`);
  }
  return [received, sent, connections, active]
    .map((f) => [`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`, ...f.samples].join('\n'))
    .join('\n')
    .concat('\n');
}
