// The proxy section of a scenario: its schema, and validation into a ProxyConfig (no sockets here).
import { Type, type Static, type TObject } from '@sinclair/typebox';
import { parseAddress, type Address } from './address.ts';
import { ScenarioInvalidError, type ConfigIssue } from './errors.ts';
import type { FaultDefinition } from './faults/definition.ts';
import { TCP_FAULTS, UDP_FAULTS } from './faults/registry.ts';
import { renderPath, validate, describeValue, type KeyPath } from './schema-issues.ts';

export type Protocol = 'tcp' | 'udp';

export const DEFAULT_MAX_BUFFER = 4 * 1024 * 1024;
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_SESSIONS = 1024;

/** A fault of a chain after validation: its registry name and its checked options. */
export interface ResolvedFault {
  name: string;
  options: Record<string, unknown> & { probability?: number };
}

export interface ProxyConfig {
  protocol: Protocol;
  listen?: Address;
  target?: Address;
  upstream: ResolvedFault[];
  downstream: ResolvedFault[];
  /** TCP: bytes one link may hold. UDP: bytes one session's queues may hold per direction. */
  maxBuffer: number;
  /** UDP: a session with no traffic for this long is closed. */
  idleTimeoutMs: number;
  /** UDP: sessions beyond this many are refused. */
  maxSessions: number;
}

type AnyFault = FaultDefinition<TObject, unknown, never>;

export function faultsFor(protocol: Protocol): Record<string, AnyFault> {
  return (protocol === 'tcp' ? TCP_FAULTS : UDP_FAULTS) as unknown as Record<string, AnyFault>;
}

const address = Type.String({ description: 'HOST:PORT; port 0 picks a free port.', pattern: '^(\\[[^\\]]+\\]|[^:\\s]+):\\d{1,5}$' });

/** The chain of one direction, for the published JSON Schema: a list of one-key fault objects. */
function chainSchema(protocol: Protocol) {
  const faults = faultsFor(protocol);
  return Type.Array(
    Type.Union(
      Object.entries(faults).map(([name, def]) =>
        Type.Object({ [name]: def.schema }, { additionalProperties: false, description: `${name} fault` }),
      ),
    ),
    { description: 'Ordered fault chain; each item is one fault name with its options.' },
  );
}

const sectionProps = {
  listen: Type.Optional(address),
  target: Type.Optional(address),
  max_buffer: Type.Optional(
    Type.Integer({ minimum: 1024, description: 'Bytes a link (TCP) or session queue (UDP) may hold.' }),
  ),
  idle_timeout_ms: Type.Optional(Type.Integer({ minimum: 1, description: 'UDP: close a session idle this long.' })),
  max_sessions: Type.Optional(Type.Integer({ minimum: 1, description: 'UDP: most sessions at once.' })),
};

/** The proxy section's JSON Schema for one protocol (used by `wirefault schema`). */
export function proxySectionSchema(protocol: Protocol) {
  return Type.Object(
    {
      ...sectionProps,
      upstream: Type.Optional(chainSchema(protocol)),
      downstream: Type.Optional(chainSchema(protocol)),
    },
    { additionalProperties: false },
  );
}

/** The keys of the section without the chains: validated by schema, chains dispatched by name. */
const sectionShape = Type.Object(
  { ...sectionProps, upstream: Type.Optional(Type.Unknown()), downstream: Type.Optional(Type.Unknown()) },
  { additionalProperties: false },
);

type Issue = ConfigIssue & { segments: KeyPath };

function issue(segments: KeyPath, expected: string, found: string): Issue {
  return { path: renderPath(segments), segments, expected, found };
}

function validateChain(raw: unknown, protocol: Protocol, at: KeyPath, issues: Issue[]): ResolvedFault[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    issues.push(issue(at, 'a list of faults', describeValue(raw)));
    return [];
  }
  const faults = faultsFor(protocol);
  const other = faultsFor(protocol === 'tcp' ? 'udp' : 'tcp');
  const out: ResolvedFault[] = [];
  raw.forEach((item: unknown, i) => {
    const here = [...at, i];
    if (typeof item !== 'object' || item === null || Array.isArray(item) || Object.keys(item).length !== 1) {
      issues.push(issue(here, 'one fault written as `name: {options}`', describeValue(item)));
      return;
    }
    const [name, options] = Object.entries(item)[0]!;
    // Own keys only: a fault named `toString` or `constructor` must not find Object.prototype's.
    const def = Object.hasOwn(faults, name) ? faults[name] : undefined;
    if (!def) {
      const known = Object.keys(faults).join(', ');
      const why = Object.hasOwn(other, name) ? ` (${name} is a ${protocol === 'tcp' ? 'udp' : 'tcp'} fault)` : '';
      issues.push(issue([...here, name], `a ${protocol} fault: one of ${known}`, JSON.stringify(name) + why));
      return;
    }
    const opts = options ?? {};
    const result = validate(def.schema, opts, [...here, name]);
    if (!result.ok) {
      issues.push(...result.issues);
      return;
    }
    const problem = def.check?.(result.value as never);
    if (problem) {
      issues.push(issue(problem.key ? [...here, name, problem.key] : [...here, name], problem.expected, problem.found));
      return;
    }
    out.push({ name, options: result.value as ResolvedFault['options'] });
  });
  return out;
}

/**
 * Validate a scenario's proxy section. Returns the config, or the issues with key paths that
 * start at `base` (e.g. ['proxy']), so the caller can add the file and YAML positions.
 */
export function checkProxySection(
  raw: unknown,
  protocol: Protocol,
  base: KeyPath = ['proxy'],
): { ok: true; config: ProxyConfig } | { ok: false; issues: Issue[] } {
  const section = raw ?? {};
  const shape = validate(sectionShape, section, base);
  if (!shape.ok) return { ok: false, issues: shape.issues };
  const s: Static<typeof sectionShape> = shape.value;
  const issues: Issue[] = [];
  const upstream = validateChain(s.upstream, protocol, [...base, 'upstream'], issues);
  const downstream = validateChain(s.downstream, protocol, [...base, 'downstream'], issues);
  if (protocol === 'tcp') {
    for (const key of ['idle_timeout_ms', 'max_sessions'] as const) {
      if (s[key] !== undefined) issues.push(issue([...base, key], 'this key only with protocol: udp', String(s[key])));
    }
  }
  const addr = (key: 'listen' | 'target'): Address | undefined => {
    const value = s[key];
    if (value === undefined) return undefined;
    try {
      return parseAddress(value, key);
    } catch {
      issues.push(issue([...base, key], 'HOST:PORT with a port 0-65535', JSON.stringify(value)));
      return undefined;
    }
  };
  const listen = addr('listen');
  const target = addr('target');
  if (issues.length > 0) return { ok: false, issues };
  return {
    ok: true,
    config: {
      protocol,
      ...(listen ? { listen } : {}),
      ...(target ? { target } : {}),
      upstream,
      downstream,
      maxBuffer: s.max_buffer ?? DEFAULT_MAX_BUFFER,
      idleTimeoutMs: s.idle_timeout_ms ?? DEFAULT_IDLE_TIMEOUT_MS,
      maxSessions: s.max_sessions ?? DEFAULT_MAX_SESSIONS,
    },
  };
}

/** Convenience for code and tests that build a proxy config directly: throws on bad input. */
export function proxyConfig(raw: unknown, protocol: Protocol, file = '(inline)'): ProxyConfig {
  const result = checkProxySection(raw, protocol);
  if (!result.ok) throw new ScenarioInvalidError(file, result.issues);
  return result.config;
}
