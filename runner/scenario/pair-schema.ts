// The `pair` and `expect` sections: schema, cross-field rules, and their validated shapes.
import { Type, type Static } from '@sinclair/typebox';
import { renderPath, validate, type ConfigIssue, type KeyPath, type Protocol } from '../../proxy/index.ts';

export const FRAMINGS = ['none', 'length', 'line', 'json-header', 'low'] as const;
export type Framing = (typeof FRAMINGS)[number];

/** Which framings each built-in pair speaks, and on which protocol. */
export const BUILTIN_PAIRS = {
  echo: { protocol: 'tcp', framings: ['none', 'length', 'line', 'json-header'] },
  command: { protocol: 'tcp', framings: ['none', 'low', 'length', 'json-header'] },
  file: { protocol: 'tcp', framings: ['none', 'json-header'] },
  'udp-echo': { protocol: 'udp', framings: ['none'] },
  'udp-time': { protocol: 'udp', framings: ['none'] },
  'reliable-udp': { protocol: 'udp', framings: ['none'] },
} as const satisfies Record<string, { protocol: Protocol; framings: readonly Framing[] }>;
export type BuiltinName = keyof typeof BUILTIN_PAIRS;

export const METRICS = [
  'sent',
  'received',
  'intact',
  'corrupted',
  'lost',
  'duplicated',
  'out_of_order',
  'sticky_reads',
  'partial_reads',
  'bytes',
  'duration_ms',
] as const;
export type MetricName = (typeof METRICS)[number];

const builtinName = Type.Union(
  Object.keys(BUILTIN_PAIRS).map((n) => Type.Literal(n)),
  { description: 'A built-in pair: ' + Object.keys(BUILTIN_PAIRS).join(', ') },
);
const framing = Type.Union(
  FRAMINGS.map((f) => Type.Literal(f)),
  { description: 'none = naive (one read is one message); the others frame messages.' },
);

/** One side of a pair: built-in (`builtin`, `framing`) or a shell command (`cmd`, `ready`). */
const side = Type.Object(
  {
    builtin: Type.Optional(builtinName),
    framing: Type.Optional(framing),
    cmd: Type.Optional(Type.String({ minLength: 1, description: '{host} and {port} are replaced.' })),
    ready: Type.Optional(
      Type.Union([Type.Literal('port'), Type.Literal('none')], {
        description: 'Server: wait until the port accepts (TCP) / a short grace (UDP), or not at all.',
      }),
    ),
    ready_timeout_ms: Type.Optional(Type.Integer({ minimum: 1, description: 'How long to wait for ready.' })),
    cwd: Type.Optional(Type.String({ description: 'Working folder, relative to the scenario file.' })),
    env: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Extra environment.' })),
  },
  { additionalProperties: false },
);

const size = Type.Union([
  Type.Integer({ minimum: 0 }),
  Type.Object(
    { min: Type.Integer({ minimum: 0 }), max: Type.Integer({ minimum: 0 }) },
    { additionalProperties: false },
  ),
]);

export const pairSchema = Type.Object(
  {
    builtin: Type.Optional(builtinName),
    framing: Type.Optional(framing),
    // Bounded: built-in clients prepare their messages up front (about 1.4 s per 100 000).
    messages: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, description: 'How many messages.' })),
    size: Type.Optional(size),
    burst: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 10_000, description: 'Messages sent back to back before reading.' }),
    ),
    recv_buffer: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1 << 20, description: 'Naive reader: bytes one recv() may return.' }),
    ),
    read_timeout_ms: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Client gives up waiting for a reply after this long.' }),
    ),
    clients: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 100,
        description: 'Run the client this many times, one after another, against the same server.',
      }),
    ),
    server: Type.Optional(side),
    client: Type.Optional(side),
  },
  { additionalProperties: false },
);

const bound = Type.Object(
  { min: Type.Optional(Type.Number()), max: Type.Optional(Type.Number()) },
  { additionalProperties: false },
);

export const expectSchema = Type.Object(
  {
    outcome: Type.Optional(Type.Union([Type.Literal('pass'), Type.Literal('fail')], { default: 'pass' })),
    metrics: Type.Optional(
      Type.Object(Object.fromEntries(METRICS.map((m) => [m, Type.Optional(bound)])), { additionalProperties: false }),
    ),
    timeout_ms: Type.Optional(Type.Integer({ minimum: 1, maximum: 3_600_000, default: 20_000 })),
  },
  { additionalProperties: false },
);

export type SideSpec =
  | { kind: 'builtin'; name: BuiltinName; framing: Framing }
  | { kind: 'cmd'; cmd: string; ready: 'port' | 'none'; readyTimeoutMs: number; cwd?: string; env: Record<string, string> };

export interface PairSpec {
  server: SideSpec;
  client: SideSpec;
  messages: number;
  size: { min: number; max: number };
  burst: number;
  recvBuffer: number;
  readTimeoutMs: number;
  clients: number;
}

export interface Expectations {
  outcome: 'pass' | 'fail';
  metrics: Partial<Record<MetricName, { min?: number; max?: number }>>;
  timeoutMs: number;
}

type Issue = ConfigIssue & { segments: KeyPath };
const issue = (segments: KeyPath, expected: string, found: string): Issue => ({
  path: renderPath(segments),
  segments,
  expected,
  found,
});

function resolveSide(
  raw: Static<typeof side> | undefined,
  which: 'server' | 'client',
  pair: Static<typeof pairSchema>,
  protocol: Protocol,
  issues: Issue[],
): SideSpec | undefined {
  const at: KeyPath = ['pair', which];
  if (raw?.cmd !== undefined) {
    for (const key of ['builtin', 'framing'] as const) {
      if (raw[key] !== undefined) issues.push(issue([...at, key], 'either cmd or builtin on one side, not both', 'both'));
    }
    if (which === 'client' && raw.ready !== undefined) issues.push(issue([...at, 'ready'], 'ready only on the server side', raw.ready));
    return {
      kind: 'cmd',
      cmd: raw.cmd,
      ready: raw.ready ?? (which === 'server' ? 'port' : 'none'),
      readyTimeoutMs: raw.ready_timeout_ms ?? 10_000,
      ...(raw.cwd !== undefined ? { cwd: raw.cwd } : {}),
      env: raw.env ?? {},
    };
  }
  for (const key of ['ready', 'ready_timeout_ms', 'cwd', 'env'] as const) {
    if (raw?.[key] !== undefined) issues.push(issue([...at, key], 'this key only with cmd', 'no cmd on this side'));
  }
  // The literal unions are built from BUILTIN_PAIRS' keys, so these casts only restore that.
  const name = (raw?.builtin ?? pair.builtin) as BuiltinName | undefined;
  if (name === undefined) {
    issues.push(issue(raw ? [...at] : ['pair'], `pair.builtin, or pair.${which} with cmd or builtin`, 'neither'));
    return undefined;
  }
  const def = BUILTIN_PAIRS[name];
  const namePath: KeyPath = raw?.builtin !== undefined ? [...at, 'builtin'] : ['pair', 'builtin'];
  if (def.protocol !== protocol) {
    const fitting = Object.entries(BUILTIN_PAIRS).filter(([, d]) => d.protocol === protocol).map(([n]) => n);
    issues.push(issue(namePath, `a ${protocol} pair (${fitting.join(', ')})`, `${name} (a ${def.protocol} pair)`));
    return undefined;
  }
  const fr = (raw?.framing ?? pair.framing ?? 'none') as Framing;
  if (!(def.framings as readonly string[]).includes(fr)) {
    const frPath: KeyPath = raw?.framing !== undefined ? [...at, 'framing'] : ['pair', 'framing'];
    issues.push(issue(frPath, `a framing ${name} speaks (${def.framings.join(', ')})`, JSON.stringify(fr)));
    return undefined;
  }
  return { kind: 'builtin', name, framing: fr };
}

export function checkPair(
  raw: unknown,
  protocol: Protocol,
): { ok: true; pair: PairSpec } | { ok: false; issues: Issue[] } {
  if (raw === undefined) return { ok: false, issues: [issue(['pair'], 'a pair section (builtin, or server and client)', 'nothing')] };
  const shape = validate(pairSchema, raw, ['pair']);
  if (!shape.ok) return shape;
  const p = shape.value;
  const issues: Issue[] = [];
  const server = resolveSide(p.server, 'server', p, protocol, issues);
  const client = resolveSide(p.client, 'client', p, protocol, issues);
  const sz = typeof p.size === 'number' ? { min: p.size, max: p.size } : (p.size ?? { min: 1, max: 512 });
  if (sz.min > sz.max) issues.push(issue(['pair', 'size', 'min'], `min <= max (${sz.max})`, String(sz.min)));
  if (server?.kind === 'builtin' && client?.kind === 'builtin' && server.name !== client.name) {
    issues.push(issue(['pair', 'client', 'builtin'], `the server's pair (${server.name})`, client.name));
  }
  if (issues.length > 0 || !server || !client) return { ok: false, issues };
  return {
    ok: true,
    pair: {
      server,
      client,
      messages: p.messages ?? 50,
      size: sz,
      burst: p.burst ?? 1,
      recvBuffer: p.recv_buffer ?? 1024,
      readTimeoutMs: p.read_timeout_ms ?? 2_000,
      clients: p.clients ?? 1,
    },
  };
}

export function checkExpect(raw: unknown): { ok: true; expect: Expectations } | { ok: false; issues: Issue[] } {
  const shape = validate(expectSchema, raw ?? {}, ['expect']);
  if (!shape.ok) return shape;
  const e = shape.value;
  const issues: Issue[] = [];
  for (const [name, b] of Object.entries(e.metrics ?? {})) {
    if (b && b.min !== undefined && b.max !== undefined && b.min > b.max) {
      issues.push(issue(['expect', 'metrics', name, 'min'], `min <= max (${b.max})`, String(b.min)));
    }
  }
  if (issues.length > 0) return { ok: false, issues };
  return {
    ok: true,
    expect: {
      outcome: e.outcome ?? 'pass',
      metrics: (e.metrics ?? {}) as Expectations['metrics'],
      timeoutMs: e.timeout_ms ?? 20_000,
    },
  };
}
