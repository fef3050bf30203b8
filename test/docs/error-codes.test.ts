// Every error code the source raises must be documented in docs/errors.md, so users can match
// on codes without reading the source. Scans proxy/, runner/ and framing/ for raise sites.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SOURCE_DIRS = ['proxy', 'runner', 'framing'];

/**
 * Where a code is raised, not merely compared: the first argument of an error constructor or
 * `super(...)`, or a `code` field set in an object literal or by assignment. Comparisons such
 * as `err.code === 'ERR_…'` test Node's own codes and are deliberately not matched.
 */
const RAISE_SITES = [
  /\bsuper\(\s*['"`](ERR_[A-Z0-9_]+)['"`]/g,
  /\bnew\s+[A-Za-z_$][\w$]*\(\s*['"`](ERR_[A-Z0-9_]+)['"`]/g,
  /\bcode\s*:\s*['"`](ERR_[A-Z0-9_]+)['"`]/g,
  /\.code\s*=\s*['"`](ERR_[A-Z0-9_]+)['"`]/g,
];

interface Use {
  code: string;
  where: string;
}

function sourceFiles(): string[] {
  const files: string[] = [];
  for (const dir of SOURCE_DIRS) {
    let entries: string[];
    try {
      entries = readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' });
    } catch {
      continue; // a folder not created yet
    }
    for (const rel of entries) if (/\.(ts|js|mjs)$/.test(rel)) files.push(path.join(dir, rel));
  }
  return files.sort();
}

/** The codes raised in `text`, with line numbers. */
function raisedCodes(text: string, file: string): Use[] {
  const uses: Use[] = [];
  for (const re of RAISE_SITES) {
    for (const m of text.matchAll(re)) {
      const line = text.slice(0, m.index).split('\n').length;
      uses.push({ code: m[1]!, where: `${file}:${line}` });
    }
  }
  return uses;
}

function documentedCodes(): Set<string> {
  const doc = readFileSync(path.join(root, 'docs/errors.md'), 'utf8');
  return new Set([...doc.matchAll(/`(ERR_[A-Z0-9_]+)`/g)].map((m) => m[1]!));
}

describe('error codes are documented', () => {
  it('the scanner finds raise sites and ignores comparisons', () => {
    const sample = [
      "super('ERR_ONE', 'message');",
      'throw new CodedError(\n  "ERR_TWO", detail);',
      "Object.assign(new Error('x'), { code: 'ERR_THREE' });",
      "err.code = 'ERR_FOUR';",
      "if (err.code === 'ERR_STREAM_PREMATURE_CLOSE') return;",
    ].join('\n');
    expect(raisedCodes(sample, 'x.ts').map((u) => u.code).sort()).toEqual(['ERR_FOUR', 'ERR_ONE', 'ERR_THREE', 'ERR_TWO']);
    expect(raisedCodes(sample, 'x.ts').find((u) => u.code === 'ERR_TWO')!.where).toBe('x.ts:2');
  });

  it('every code raised in proxy/, runner/ and framing/ appears in docs/errors.md', () => {
    const uses = sourceFiles().flatMap((file) => raisedCodes(readFileSync(path.join(root, file), 'utf8'), file));
    // The proxy's own codes exist, so an empty scan would mean the scanner broke, not success.
    expect(uses.map((u) => u.code)).toContain('ERR_SCENARIO_INVALID');
    const documented = documentedCodes();
    const missing = uses.filter((u) => !documented.has(u.code)).map((u) => `${u.code} (${u.where})`);
    expect(missing, 'codes raised in the source but missing from docs/errors.md').toEqual([]);
  });
});
