// What both proxies (TCP and UDP) are started with.
import type { Logger } from 'pino';
import type { Address } from './address.ts';
import type { Capture } from './capture.ts';
import type { ProxyConfig } from './config.ts';

export interface ProxyOptions {
  config: ProxyConfig;
  /** Where to listen and where to send; override the config's own listen/target. */
  listen?: Address;
  target?: Address;
  seed: number;
  log?: Logger;
  /** Trace events kept per link (totals are always kept); 0 keeps totals only. */
  traceLimit?: number;
  /** Record both legs of every connection or session as packets (--pcap). */
  capture?: Capture;
}

/** Where a proxy listens and where it forwards: the options first, then the config's own keys. */
export function endpoints(opts: ProxyOptions, proxyName: string): { target: Address; listenAt: Address } {
  const target = opts.target ?? opts.config.target;
  if (!target) throw new TypeError(`${proxyName} needs a target address`);
  return { target, listenAt: opts.listen ?? opts.config.listen ?? { host: '127.0.0.1', port: 0 } };
}
