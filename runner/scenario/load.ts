// Read a scenario file: YAML with positions, `extends` chains deep-merged, validated before use.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import createDeepmerge from '@fastify/deepmerge';
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import {
  ScenarioInvalidError,
  checkProxySection,
  validate,
  renderPath,
  type ConfigIssue,
  type KeyPath,
  type ProxyConfig,
  type Protocol,
} from '../../proxy/index.ts';
import { ScenarioReadError } from '../errors.ts';
import { checkExpect, checkPair, type Expectations, type PairSpec } from './pair-schema.ts';
import { DEFAULT_SEED, scenarioTopSchema } from './schema.ts';

/** Fault chains (arrays) are replaced by a child, never concatenated. */
const deepmerge = createDeepmerge({
  mergeArray: (opts) => (_target: unknown[], source: unknown[]) => opts.clone(source),
});

interface SourceFile {
  file: string;
  doc: Document.Parsed;
  lines: LineCounter;
  /** The document as plain data, converted once. */
  data: unknown;
}

export interface LoadedScenario {
  file: string;
  name: string;
  description: string;
  seed: number;
  protocol: Protocol;
  proxy: ProxyConfig;
  pair: PairSpec;
  expect: Expectations;
  /** The merged document, for reports. */
  raw: Record<string, unknown>;
}

/**
 * How deep a document may nest. The yaml parser recurses per level and overflows the stack near
 * a thousand; an overflow that lands inside V8's regexp compiler aborts the whole process
 * ("RegExpCompiler Allocation failed") instead of throwing. So depth is bounded before parsing,
 * far above what any scenario needs and far below where the parser gives out.
 */
const MAX_NESTING = 128;

/**
 * An upper bound of the nesting depth of YAML text, without parsing it: on each line, the
 * column where the content starts (block levels each need one more column of indentation or a
 * compact `- `, `? `, `: `), plus the open flow brackets carried from earlier lines. Quotes and
 * comments are not understood, so brackets inside strings count too: only an overestimate.
 * Returns the bound and the line where it is reached.
 */
function nestingBound(text: string): { depth: number; line: number } {
  let worst = 0;
  let worstLine = 1;
  let flow = 0;
  let line = 1;
  let atStart = true;
  let column = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      line++;
      atStart = true;
      column = 0;
      continue;
    }
    // Leading spaces, tabs and block indicators: the content's column.
    if (atStart && (c === 32 || c === 9 || c === 45 || c === 63 || c === 58)) {
      column++;
    } else {
      if (atStart && column + flow > worst) {
        worst = column + flow;
        worstLine = line;
      }
      atStart = false;
      if (c === 91 || c === 123) {
        flow++;
        if (flow + column > worst) {
          worst = flow + column;
          worstLine = line;
        }
      } else if ((c === 93 || c === 125) && flow > 0) {
        flow--;
      }
    }
  }
  return { depth: worst, line: worstLine };
}

/**
 * Keys the merge of `extends` chains drops (as any JavaScript object merge must, or a scenario
 * could reach Object.prototype): rejected, so that no key of a scenario is ignored in silence.
 */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** The path of the first reserved key in a parsed document, depth first. */
function reservedKeyPath(value: unknown, at: KeyPath = []): KeyPath | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  for (const key of Object.keys(value)) {
    const segments = [...at, Array.isArray(value) ? Number(key) : key];
    if (!Array.isArray(value) && RESERVED_KEYS.has(key)) return segments;
    const found = reservedKeyPath((value as Record<string, unknown>)[key], segments);
    if (found) return found;
  }
  return undefined;
}

/**
 * A child's `key: null` (YAML `~`) removes what its bases set for that key (a merge could only
 * override it): a naive variant can drop a base's `expect.metrics.intact` bound. Removed from both
 * here; a null with nothing inherited under it is left for the schema to reject.
 */
function dropInherited(base: Record<string, unknown>, child: Record<string, unknown>): Record<string, unknown> {
  const out = { ...base };
  for (const [key, value] of Object.entries(child)) {
    if (!Object.hasOwn(out, key)) continue;
    const inherited = out[key];
    if (value === null) {
      delete out[key];
      delete child[key];
    } else if (isMapping(value) && isMapping(inherited)) {
      out[key] = dropInherited(inherited, value);
    }
  }
  return out;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function readSource(file: string, from?: { file: string; key: KeyPath }): SourceFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    if (from) {
      throw new ScenarioInvalidError(from.file, [
        { path: 'extends', expected: 'a readable scenario file', found: `${JSON.stringify(path.relative(path.dirname(from.file), file))} (${code})` },
      ]);
    }
    throw new ScenarioReadError(file, `cannot read the file (${code})`);
  }
  const nesting = nestingBound(text);
  if (nesting.depth > MAX_NESTING) {
    throw new ScenarioReadError(`${file}:${nesting.line}`, `nested deeper than ${MAX_NESTING} levels; a scenario needs a handful`);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const [first] = doc.errors;
  if (first) {
    const pos = first.linePos?.[0];
    const at = pos ? `:${pos.line}:${pos.col}` : '';
    throw new ScenarioReadError(`${file}${at}`, `not valid YAML: ${first.message.split('\n')[0]}`);
  }
  // Aliases are resolved only here, and the yaml library throws (a ReferenceError) for one with
  // no anchor and for an alias "billion laughs": bad input, to be reported like a syntax error.
  let data: unknown;
  try {
    data = doc.toJS();
  } catch (err) {
    throw new ScenarioReadError(file, `not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const src = { file, doc, lines, data };
  const reserved = reservedKeyPath(data);
  if (reserved) {
    const name = String(reserved[reserved.length - 1]);
    throw invalid([src], [
      { path: renderPath(reserved), segments: reserved, expected: 'a scenario key', found: `${JSON.stringify(name)}, a name reserved by JavaScript objects` },
    ]);
  }
  return src;
}

function position(src: SourceFile, segments: KeyPath): { line: number; column: number } | undefined {
  // Point at the deepest key that exists: a missing key is reported where its parent is.
  for (let n = segments.length; n >= 0; n--) {
    const node = src.doc.getIn(segments.slice(0, n), true);
    if (isNode(node) && node.range) {
      const p = src.lines.linePos(node.range[0]);
      return { line: p.line, column: p.col };
    }
  }
  return undefined;
}

function invalid(chain: SourceFile[], issues: (ConfigIssue & { segments: KeyPath })[]): ScenarioInvalidError {
  const child = chain[0]!;
  const located = issues.map(({ segments, ...issue }): ConfigIssue => {
    // Report an issue in the file that set the key, child first (the child wins a merge).
    const src = chain.find((s) => s.doc.hasIn(segments)) ?? child;
    const pos = position(src, segments);
    return {
      ...issue,
      ...(src !== child ? { file: src.file } : {}),
      ...(pos ? { line: pos.line, column: pos.column } : {}),
    };
  });
  return new ScenarioInvalidError(child.file, located);
}

/** A scenario's proxy part: all `wirefault proxy` and `wirefault serve --config` need. */
export type ProxyScenario = Pick<LoadedScenario, 'file' | 'name' | 'description' | 'seed' | 'protocol' | 'proxy' | 'raw'>;

/** Read a scenario and its `extends` chain, merge them, validate everything but pair/expect. */
function loadMerged(file: string): { scenario: ProxyScenario; chain: SourceFile[]; pair: unknown; expect: unknown } {
  const abs = path.resolve(file);
  const chain: SourceFile[] = [];
  const seen: string[] = [];
  let current = abs;
  let from: { file: string; key: KeyPath } | undefined;
  for (;;) {
    if (seen.includes(current)) {
      const cycle = [...seen, current].map((f) => path.relative(path.dirname(abs), f) || path.basename(f)).join(' -> ');
      throw new ScenarioInvalidError(chain[chain.length - 1]!.file, [
        { path: 'extends', expected: 'a chain of bases without a cycle', found: `the cycle ${cycle}` },
      ]);
    }
    seen.push(current);
    const src = readSource(current, from);
    chain.push(src);
    const data = src.data;
    if (!isMapping(data)) {
      throw new ScenarioInvalidError(current, [
        { path: '', expected: 'a mapping of scenario keys', found: data === null ? 'an empty document' : typeof data },
      ]);
    }
    const ext = data.extends;
    if (ext === undefined) break;
    if (typeof ext !== 'string' || ext === '') throw invalid([src], [{ path: 'extends', segments: ['extends'], expected: 'a file path', found: JSON.stringify(ext) }]);
    from = { file: current, key: ['extends'] };
    current = path.resolve(path.dirname(current), ext);
  }

  // Merge from the root base down to the child; the child wins.
  let merged: Record<string, unknown> = {};
  for (const src of [...chain].reverse()) {
    const child = structuredClone(src.data) as Record<string, unknown>;
    merged = deepmerge(dropInherited(merged, child), child) as Record<string, unknown>;
  }
  delete merged.extends;

  const top = validate(scenarioTopSchema, merged, []);
  if (!top.ok) throw invalid(chain, top.issues);
  const protocol = top.value.protocol ?? 'tcp';
  const proxy = checkProxySection(top.value.proxy, protocol);
  if (!proxy.ok) throw invalid(chain, proxy.issues);
  return {
    chain,
    pair: top.value.pair,
    expect: top.value.expect,
    scenario: {
      file: abs,
      name: top.value.name ?? path.basename(abs).replace(/\.ya?ml$/, ''),
      description: top.value.description ?? '',
      seed: top.value.seed ?? DEFAULT_SEED,
      protocol,
      proxy: proxy.config,
      raw: merged,
    },
  };
}

/** Load and validate one scenario file. Throws ScenarioReadError or ScenarioInvalidError. */
export function loadScenario(file: string): LoadedScenario {
  const { scenario, chain, pair: rawPair, expect: rawExpect } = loadMerged(file);
  const pair = checkPair(rawPair, scenario.protocol);
  const expect = checkExpect(rawExpect);
  if (!pair.ok || !expect.ok) throw invalid(chain, [pair, expect].flatMap((r) => (r.ok ? [] : r.issues)));
  return { ...scenario, pair: pair.pair, expect: expect.expect };
}

/**
 * Load only what a proxy needs: `pair` and `expect` may be absent (they are ignored), but every
 * key must still be a known one and the proxy section must validate.
 */
export function loadProxyScenario(file: string): ProxyScenario {
  return loadMerged(file).scenario;
}
