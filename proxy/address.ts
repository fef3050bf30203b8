// Parse and print HOST:PORT addresses, including bracketed IPv6 ([::1]:9000).
import { BadAddressError } from './errors.ts';

export interface Address {
  host: string;
  port: number;
}

const PATTERN = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})$/;

/** Parse `host:port`; `what` names the flag or key for the error message. */
export function parseAddress(value: string, what: string): Address {
  const m = PATTERN.exec(value.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port >= 0 && port <= 65535)) throw new BadAddressError(what, value);
  return { host: (m[1] ?? m[2])!, port };
}

export function formatAddress(a: Address): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}
