// Proxy JSON bodies of the API (create, populate, update, --config): checked into typed inputs.
import { describeValue, parseAddress, type Address, type Protocol } from '../../proxy/index.ts';
import { ERR_BAD_REQUEST_BODY, ERR_MISSING_FIELD, type ApiError } from './api-error.ts';

/** What a create or populate body asks for. `toxics` stay raw: the proxy validates them. */
export interface ProxyInput {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  protocol: Protocol;
  /** Extension: this proxy's seed; without it the seed is derived from --seed and the name. */
  seed?: number;
  /** Extension: toxics to add at once (Toxiproxy ignores this field). */
  toxics: unknown[];
}

/** The fields an update may change. */
export interface ProxyPatch {
  listen?: string;
  upstream?: string;
  enabled?: boolean;
  protocol?: Protocol;
}

/** Toxiproxy's default listen is all interfaces on a random port; we stay on loopback. */
export const DEFAULT_LISTEN = '127.0.0.1:0';

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function badBody(detail: string): ApiError {
  return ERR_BAD_REQUEST_BODY.with(detail);
}

function field<T>(body: Record<string, unknown>, key: string, kind: 'string' | 'boolean' | 'number'): T | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== kind) throw badBody(`${key}: expected a ${kind}, found ${describeValue(v)}`);
  return v as T;
}

function protocolField(body: Record<string, unknown>): Protocol | undefined {
  const p = field<string>(body, 'protocol', 'string');
  if (p === undefined) return undefined;
  if (p !== 'tcp' && p !== 'udp') throw badBody(`protocol: expected "tcp" or "udp", found ${JSON.stringify(p)}`);
  return p;
}

/**
 * Parse a listen or upstream address. Go's `:PORT` (no host) is accepted: for listen it means
 * every interface, for upstream this host.
 */
export function parseHostPort(value: string, key: 'listen' | 'upstream'): Address {
  const text = value.startsWith(':') ? `${key === 'listen' ? '0.0.0.0' : '127.0.0.1'}${value}` : value;
  try {
    return parseAddress(text, key);
  } catch {
    throw badBody(`${key}: expected HOST:PORT with a port 0-65535, found ${JSON.stringify(value)}`);
  }
}

/** A create/populate body. `at` names the item in a populate list (Toxiproxy: "at proxy 2"). */
export function parseProxyInput(body: unknown, at = ''): ProxyInput {
  const where = at ? ` ${at}` : '';
  if (!isObject(body)) throw badBody(`expected a JSON object${where}, found ${describeValue(body)}`);
  const name = field<string>(body, 'name', 'string') ?? '';
  if (name === '') throw ERR_MISSING_FIELD.with(`name${where}`);
  const upstream = field<string>(body, 'upstream', 'string') ?? '';
  if (upstream === '') throw ERR_MISSING_FIELD.with(`upstream${where}`);
  const listen = field<string>(body, 'listen', 'string') || DEFAULT_LISTEN;
  parseHostPort(listen, 'listen');
  parseHostPort(upstream, 'upstream');
  const seed = field<number>(body, 'seed', 'number');
  if (seed !== undefined && !(Number.isSafeInteger(seed) && seed >= 0 && seed <= 2 ** 32 - 1)) {
    throw badBody(`seed: expected a whole number from 0 to ${2 ** 32 - 1}, found ${describeValue(seed)}`);
  }
  const toxics = body.toxics ?? [];
  if (!Array.isArray(toxics)) throw badBody(`toxics: expected a list, found ${describeValue(toxics)}`);
  return {
    name,
    listen,
    upstream,
    enabled: field<boolean>(body, 'enabled', 'boolean') ?? true,
    protocol: protocolField(body) ?? 'tcp',
    ...(seed !== undefined ? { seed } : {}),
    toxics,
  };
}

/** An update body: missing fields keep their current values. */
export function parseProxyPatch(body: unknown): ProxyPatch {
  if (!isObject(body)) throw badBody(`expected a JSON object, found ${describeValue(body)}`);
  const patch: ProxyPatch = {};
  const listen = field<string>(body, 'listen', 'string');
  const upstream = field<string>(body, 'upstream', 'string');
  const enabled = field<boolean>(body, 'enabled', 'boolean');
  const protocol = protocolField(body);
  if (listen) {
    parseHostPort(listen, 'listen');
    patch.listen = listen;
  }
  if (upstream) {
    parseHostPort(upstream, 'upstream');
    patch.upstream = upstream;
  }
  if (enabled !== undefined) patch.enabled = enabled;
  if (protocol !== undefined) patch.protocol = protocol;
  return patch;
}
