// What other folders may use from proxy/.
export { TcpProxy, TcpConnection, type TcpProxyOptions } from './tcp.ts';
export { StreamLink } from './link.ts';
export {
  checkProxySection,
  proxyConfig,
  proxySectionSchema,
  faultsFor,
  type ProxyConfig,
  type Protocol,
  type ResolvedFault,
} from './config.ts';
export { parseAddress, formatAddress, type Address } from './address.ts';
export { WirefaultError, ScenarioInvalidError, BadAddressError, type ConfigIssue } from './errors.ts';
export { Trace, type TraceEvent, type TraceKind, type TraceTotals } from './trace.ts';
export { Rng, mixSeed } from './rng.ts';
export { renderPath, describeValue, validate, type KeyPath } from './schema-issues.ts';
export { TCP_FAULTS, UDP_FAULTS } from './faults/registry.ts';
export { UdpProxy, UdpSession, type UdpProxyOptions, type UdpProxyEvents, type SessionEnd } from './udp.ts';
export { DatagramLink, type DatagramLinkOptions } from './datagram-link.ts';
export type { Datagram, DatagramContext, DatagramFault, Emission } from './faults/udp/contract.ts';
export { tuneProcessForForwarding } from './process-tuning.ts';
