// Bad input: generated scenario documents (valid ones and every kind of broken one) fed to the
// loader, and generated command lines fed to main(). Every document is accepted — and then builds
// its fault chains — or rejected with a coded WirefaultError whose issues name key paths; every
// bad command line exits 2 with a message. Nothing may escape as an uncaught exception.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { DatagramLink } from '../../proxy/datagram-link.ts';
import { ScenarioInvalidError, WirefaultError } from '../../proxy/errors.ts';
import { TCP_FAULTS, UDP_FAULTS } from '../../proxy/faults/registry.ts';
import { StreamLink } from '../../proxy/link.ts';
import { silentLogger } from '../../proxy/silent-logger.ts';
import { main } from '../../runner/cli.ts';
import { loadScenario, type LoadedScenario } from '../../runner/scenario/load.ts';
import { BUILTIN_PAIRS, FRAMINGS, METRICS } from '../../runner/scenario/pair-schema.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'wirefault-bad-input-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A stack trace line, which a user must never see. */
const STACK = /\n\s+at .+[:(]\d+/;

// ---- scenario documents -----------------------------------------------------------------

/** Names that exist on every JS object: a lookup by name must not find them. */
const PROTO_NAMES = ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];
const FAULT_NAMES = [...new Set([...Object.keys(TCP_FAULTS), ...Object.keys(UDP_FAULTS)])];
const OPTION_NAMES = [
  ...['size', 'min', 'max', 'gap_ms', 'bytes', 'window_ms', 'ms', 'jitter_ms', 'bytes_per_sec', 'at', 'every'],
  ...['rate', 'after_bytes', 'after_ms', 'half', 'close_after_ms', 'probability', 'copies', 'gap', 'max_bytes'],
  ...['datagrams_per_sec', 'queue', 'model', 'p', 'r', 'h', 'k', 'mean_burst'],
];

/** Any small value: what a typo or a wrong type puts where a key's value should be. */
const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.integer({ min: -5, max: 100_000 }),
  fc.constantFrom(0, -1, 1.5, 2 ** 32, 2 ** 53, 1e300, -0, Number.NaN, Infinity, -Infinity),
  fc.boolean(),
  fc.constant(null),
  fc.anything({ maxDepth: 3, maxKeys: 3, withNullPrototype: false }),
);

/** A key: mostly the real ones, sometimes a typo, an empty string or a prototype name. */
function key(real: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...real) },
    { weight: 1, arbitrary: fc.constantFrom(...PROTO_NAMES, '', ' ', 'null', '<<') },
    { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
  );
}

/** A value for a numeric option: in range, at the edges, or not a number at all. */
const number = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 5000 }) },
  { weight: 2, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }) },
  { weight: 1, arbitrary: junk },
);

/** A map from some of `keys` to values, plus an occasional stray key. */
function section(keys: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .tuple(
      fc.record(keys, { requiredKeys: [] }),
      fc.option(fc.tuple(key(Object.keys(keys)), junk), { freq: 6 }),
    )
    .map(([rec, extra]) => (extra ? { ...rec, [extra[0]]: extra[1] } : rec));
}

const fault = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(key(FAULT_NAMES), fc.dictionary(key(OPTION_NAMES), number, { maxKeys: 4 })).map(([n, o]) => ({ [n]: o })) },
  { weight: 1, arbitrary: fc.tuple(key(FAULT_NAMES), junk).map(([n, o]) => ({ [n]: o })) },
  { weight: 1, arbitrary: junk },
);
const chain = fc.oneof({ weight: 9, arbitrary: fc.array(fault, { maxLength: 4 }) }, { weight: 1, arbitrary: junk });

const address = fc.oneof(
  fc.constantFrom('127.0.0.1:0', '127.0.0.1:9000', '[::1]:80', 'localhost:65535', 'host:65536', ':80', '127.0.0.1', '[::1:5', 'a b:1'),
  junk,
);

const proxySection = fc.oneof(
  { weight: 9, arbitrary: section({ listen: address, target: address, max_buffer: number, idle_timeout_ms: number, max_sessions: number, upstream: chain, downstream: chain }) },
  { weight: 1, arbitrary: junk },
);

const side = fc.oneof(
  section({
    builtin: fc.oneof(key(Object.keys(BUILTIN_PAIRS)), junk),
    framing: fc.oneof(key(FRAMINGS), junk),
    cmd: fc.oneof(fc.constantFrom('true', 'python3 x.py {port}', ''), junk),
    ready: fc.oneof(fc.constantFrom('port', 'none', 'soon'), junk),
    ready_timeout_ms: number,
    cwd: fc.oneof(fc.constantFrom('.', '..', '/nonexistent'), junk),
    env: fc.oneof(fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 2 }), junk),
  }),
  junk,
);

const pairSection = fc.oneof(
  {
    weight: 9,
    arbitrary: section({
      builtin: fc.oneof({ weight: 5, arbitrary: key(Object.keys(BUILTIN_PAIRS)) }, { weight: 1, arbitrary: junk }),
      framing: fc.oneof({ weight: 5, arbitrary: key(FRAMINGS) }, { weight: 1, arbitrary: junk }),
      messages: number,
      size: fc.oneof(number, section({ min: number, max: number })),
      burst: number,
      recv_buffer: number,
      read_timeout_ms: number,
      clients: number,
      server: side,
      client: side,
    }),
  },
  { weight: 1, arbitrary: junk },
);

const expectSection = fc.oneof(
  section({
    outcome: fc.oneof(fc.constantFrom('pass', 'fail', 'maybe'), junk),
    metrics: fc.oneof(fc.dictionary(key(METRICS), fc.oneof(section({ min: number, max: number }), junk), { maxKeys: 3 }), junk),
    timeout_ms: number,
  }),
  junk,
);

/** Where `extends` may point: a real base, a missing file, the file itself, a folder, nonsense. */
const EXTENDS = ['base/ok.yaml', 'base/udp.yaml', 'base/broken.yaml', 'base/missing.yaml', 'self', '.', 'base', ''];

const scenarioDoc = section({
  name: fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), junk),
  description: fc.oneof(fc.string({ maxLength: 30 }), junk),
  extends: fc.oneof(fc.constantFrom(...EXTENDS), junk),
  seed: fc.oneof(fc.integer({ min: 0, max: 2 ** 32 - 1 }), junk),
  protocol: fc.oneof({ weight: 5, arbitrary: fc.constantFrom('tcp', 'udp') }, { weight: 1, arbitrary: junk }),
  proxy: proxySection,
  pair: pairSection,
  expect: expectSection,
});

/** Documents that validate: the generator must reach "accepted", not only the error paths. */
const validDoc = fc
  .tuple(
    fc.constantFrom('tcp', 'udp'),
    fc.integer({ min: 0, max: 2 ** 32 - 1 }),
    fc.integer({ min: 1, max: 5000 }),
    fc.integer({ min: 0, max: 100 }),
  )
  .map(([protocol, seed, n, ms]) => {
    const faults =
      protocol === 'tcp'
        ? [{ split: { min: 1, max: n } }, { coalesce: { bytes: n, window_ms: ms } }, { delay: { ms, jitter_ms: ms } }, { throttle: { bytes_per_sec: n * 100 } }]
        : [{ drop: { rate: ms / 100 } }, { duplicate: { rate: ms / 100, copies: 2 } }, { delay: { ms } }, { truncate: { max_bytes: n } }];
    return {
      name: `valid-${seed}`,
      seed,
      protocol,
      proxy: { upstream: faults.slice(0, 1 + (n % 4)), downstream: faults.slice(n % 3) },
      pair: { builtin: protocol === 'tcp' ? 'echo' : 'udp-echo', messages: 1 + (n % 100) },
      expect: { outcome: n % 2 ? 'pass' : 'fail', timeout_ms: 1000 + ms },
    } as Record<string, unknown>;
  });

/** Texts a YAML parser or the loader may choke on, beyond what stringify() produces. */
const NASTY = [
  '',
  '---\n',
  '42\n',
  '- a\n- b\n',
  'name: a\n---\nname: b\n',
  'name: *nowhere\npair: { builtin: echo }\n',
  'a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n',
  'pair: &p { builtin: echo }\nexpect: *p\n',
  'proxy: !!binary aGVsbG8=\n',
  'pair: !!set { a, b }\n',
  'pair: !custom { builtin: echo }\n',
  '%YAML 1.1\n---\npair: { builtin: echo }\n',
  'pair: { builtin: echo }\n<<: { name: merged }\n',
  // Deep nesting: past the parser's stack (once a fatal V8 abort), and just inside the bound.
  'proxy: ' + '['.repeat(2000) + ']'.repeat(2000) + '\n',
  'proxy: ' + '{a: '.repeat(1000) + '1' + '}'.repeat(1000) + '\n',
  'proxy:\n' + Array.from({ length: 1500 }, (_, i) => `${' '.repeat(i + 1)}a:\n`).join(''),
  'pair:\n  ' + '- '.repeat(1500) + 'x\n',
  'pair: { builtin: echo }\nexpect: { metrics: ' + '['.repeat(100) + ']'.repeat(100) + ' }\n',
  '? [a, b]\n: 1\npair: { builtin: echo }\n',
  'name: a\nname: b\n',
  '\ufeffpair: { builtin: echo }\n',
  'pair:\n\tbuiltin: echo\n',
  'pair: { builtin: echo, messages: 1e999 }\n',
  'pair: { builtin: echo, messages: 0x10 }\n',
  'pair: { builtin: echo, messages: 0o17 }\n',
  'pair: { builtin: echo, messages: .nan }\n',
  'seed: -.inf\npair: { builtin: echo }\n',
  'seed: 2001-12-14\npair: { builtin: echo }\n',
  'pair: { builtin: echo }\nproxy: { upstream: [ { toString: {} } ] }\n',
  'pair: { builtin: echo }\nproxy: { upstream: [ { constructor: { size: 1 } } ] }\n',
  'pair: { builtin: echo }\nexpect: { metrics: { constructor: { min: 1 } } }\n',
  'constructor: { prototype: { polluted: 1 } }\npair: { builtin: echo }\n',
  '__proto__: { polluted: 1 }\npair: { builtin: echo }\n',
  'pair: { builtin: "\\0" }\n',
  '"\\uD800": 1\n',
];

/** Ways to break the text of a document: syntax errors of every kind, at a random place. */
const TOKENS = [':', ': ', '- ', '[', ']', '{', '}', '"', "'", '&a ', '*a', '*zz', '!!binary ', '!t ', '\t', '---\n', '...\n', '%TAG\n', '? ', '|', '>', '#', '\0', '\ufeff', '\n  ', ',', '@', '`'];
const textEdit = fc.oneof(
  { weight: 6, arbitrary: fc.constant((t: string) => t) },
  { weight: 2, arbitrary: fc.tuple(fc.nat(), fc.constantFrom(...TOKENS)).map(([at, tok]) => (t: string) => t.slice(0, at % (t.length + 1)) + tok + t.slice(at % (t.length + 1))) },
  { weight: 1, arbitrary: fc.nat().map((at) => (t: string) => t.slice(0, at % (t.length + 1))) },
  { weight: 1, arbitrary: fc.nat().map((at) => (t: string) => t.slice(0, at % (t.length + 1)) + t.slice((at % (t.length + 1)) + 1)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 60, unit: 'binary' }).map((s) => () => s) },
);

const documentText = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(scenarioDoc, textEdit).map(([doc, edit]) => edit(safeStringify(doc))) },
  { weight: 2, arbitrary: validDoc.map((d) => safeStringify(d)) },
  { weight: 1, arbitrary: fc.constantFrom(...NASTY) },
);

/** stringify() cannot write every JS value (e.g. a symbol); such a document is skipped by mapping to junk text. */
function safeStringify(doc: unknown): string {
  try {
    return stringify(doc);
  } catch {
    return 'not: [valid';
  }
}

/** Build both fault chains of an accepted scenario as a connection would: options must be usable. */
function buildChains(s: LoadedScenario): void {
  const dummy = new PassThrough() as unknown as Socket;
  for (const dir of ['upstream', 'downstream'] as const) {
    if (s.protocol === 'tcp') {
      const link = new StreamLink({ source: dummy, sink: dummy, dir, conn: 0, seed: s.seed, faults: s.proxy[dir], maxBuffer: s.proxy.maxBuffer, log: silentLogger(), onConnectionEnd() {} });
      link.dispose();
    } else {
      const link = new DatagramLink({ dir, session: 0, seed: s.seed, faults: s.proxy[dir], maxBuffer: s.proxy.maxBuffer, log: silentLogger(), send() {} });
      link.dispose('proxy closed');
    }
  }
}

describe('generated scenario documents', () => {
  it('each is accepted (and builds) or rejected with a coded error naming key paths', () => {
    const dir = path.join(tmp, 'docs');
    mkdirSync(path.join(dir, 'base'), { recursive: true });
    writeFileSync(path.join(dir, 'base/ok.yaml'), 'pair: { builtin: echo }\nproxy: { upstream: [ { split: { size: 3 } } ] }\n');
    writeFileSync(path.join(dir, 'base/udp.yaml'), 'protocol: udp\npair: { builtin: udp-echo }\n');
    writeFileSync(path.join(dir, 'base/broken.yaml'), 'pair: { builtin: [\n');
    const seen = { accepted: 0, ERR_SCENARIO_INVALID: 0, ERR_SCENARIO_READ: 0 } as Record<string, number>;
    let n = 0;
    fc.assert(
      fc.property(documentText, (text) => {
        const file = path.join(dir, `doc-${n++ % 50}.yaml`);
        writeFileSync(file, text.replaceAll('extends: self', `extends: ${path.basename(file)}`));
        let loaded: LoadedScenario | undefined;
        try {
          loaded = loadScenario(file);
        } catch (err) {
          expect(err, `not a WirefaultError for:\n${text.slice(0, 500)}\n${(err as Error)?.stack}`).toBeInstanceOf(WirefaultError);
          const e = err as WirefaultError;
          expect(['ERR_SCENARIO_INVALID', 'ERR_SCENARIO_READ']).toContain(e.code);
          // It names the file at fault: this one, or a base it extends that cannot be read.
          expect(e.message.includes(file) || e.message.includes(path.join(dir, 'base')), e.message).toBe(true);
          expect(e.message).not.toMatch(STACK);
          if (e instanceof ScenarioInvalidError) {
            expect(e.issues.length).toBeGreaterThan(0);
            for (const issue of e.issues) {
              expect(typeof issue.path).toBe('string');
              expect(issue.expected.length).toBeGreaterThan(0);
              expect(issue.found.length).toBeGreaterThan(0);
              // Each issue is printed with its key path ('(root)' for the document itself).
              expect(e.message).toContain(`${issue.path || '(root)'}: expected ${issue.expected}`);
            }
          }
          seen[e.code] = (seen[e.code] ?? 0) + 1;
          return;
        }
        buildChains(loaded);
        seen.accepted!++;
      }),
      { seed: 0x5ce7a210, numRuns: 3000 },
    );
    console.log(`scenario documents: ${JSON.stringify(seen)}`);
    // The generator reached every outcome, in useful numbers.
    for (const outcome of ['accepted', 'ERR_SCENARIO_INVALID', 'ERR_SCENARIO_READ']) expect(seen[outcome]).toBeGreaterThan(100);
    // And nothing leaked onto Object.prototype from a `__proto__` or `constructor` key.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  }, 60_000);
});

// ---- command lines ----------------------------------------------------------------------

/** Flags that must be refused, with the command they belong to. */
const BAD_FLAGS: [string, string[]][] = [
  ['run', ['--shard', '0/0']],
  ['run', ['--shard', '3/2']],
  ['run', ['--shard=1/0']],
  ['run', ['--shard', 'x']],
  ['run', ['--jobs', '-1']],
  ['run', ['--jobs=-1']],
  ['run', ['--jobs', '0']],
  ['run', ['--jobs', '1.5']],
  ['run', ['--jobs', '99999999999999999999']],
  ['run', ['--seed', '-3']],
  ['run', ['--seed', '4294967296']],
  ['run', ['--grep', '(']],
  ['run', ['--log-level', 'loud']],
  ['run', ['--jobs']],
  ['run', ['--bogus']],
  ['proxy', ['--listen', '127.0.0.1:65536']],
  ['proxy', ['--listen', '127.0.0.1:99999']],
  ['proxy', ['--listen', '127.0.0.1:-1']],
  ['proxy', ['--target', 'localhost:70000']],
  ['proxy', ['--target', 'no-port']],
  ['proxy', ['--listen', '[::1:80']],
  ['proxy', ['--seed', 'NaN']],
  ['proxy', ['--log-level', '']],
  ['check', ['--jobs', '2']],
  ['list', ['-x']],
];

/** Random tokens mixed in: strings, flag-like strings, valid flags. Never `--` (it would end flag parsing). */
const token = fc.oneof(
  fc.string({ maxLength: 12 }).filter((s) => s !== '--' && !s.startsWith('-h') && s !== '--help'),
  fc.string({ maxLength: 8 }).map((s) => `--${s}`).filter((s) => s !== '--' && !'--help'.startsWith(s)),
  fc.constantFrom('--seed', '1', '--jobs', '2', '--grep', 'x', '--log-level', 'silent', '--out', 'o', '--listen', '127.0.0.1:0', '--pcap', '-'),
);

describe('generated command lines', () => {
  it('a bad flag among random tokens: exit 2 with a message, never a throw or a stack trace', async () => {
    const codes = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...BAD_FLAGS), fc.array(token, { maxLength: 4 }), fc.nat(), async ([command, bad], tokens, at) => {
        const args = [...tokens];
        args.splice(at % (args.length + 1), 0, ...bad);
        const out = new PassThrough();
        const err = new PassThrough();
        let stderr = '';
        err.on('data', (c: Buffer) => (stderr += c.toString()));
        out.resume();
        const code = await main([command, ...args], out, err);
        codes.set(code, (codes.get(code) ?? 0) + 1);
        expect(code, `${command} ${JSON.stringify(args)}`).toBe(2);
        expect(stderr).toMatch(/^wirefault /);
        expect(stderr).toMatch(/ERR_[A-Z_]+\n.+/);
        expect(stderr).not.toMatch(STACK);
      }),
      { seed: 0xf1a95, numRuns: 600 },
    );
    console.log(`command lines: exit codes ${JSON.stringify(Object.fromEntries(codes))}`);
  }, 60_000);

  it('the flags the issue names, each alone', async () => {
    for (const [command, bad] of BAD_FLAGS) {
      const err = new PassThrough();
      let stderr = '';
      err.on('data', (c: Buffer) => (stderr += c.toString()));
      const code = await main([command, ...bad], new PassThrough(), err);
      expect(code, `${command} ${bad.join(' ')}`).toBe(2);
      expect(stderr, `${command} ${bad.join(' ')}`).toMatch(/ERR_BAD_FLAG|ERR_BAD_ADDRESS/);
    }
  });
});
