// `extends`: a child deep-merges over its bases, replaces fault lists, and removes a key with null.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScenarioInvalidError } from '../../../proxy/index.ts';
import { loadScenario } from '../../../runner/scenario/load.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'wirefault-extends-'));
  write(
    'base.yaml',
    `seed: 5
pair: { builtin: echo, framing: length, messages: 30 }
proxy:
  upstream: [ { split: { size: 3 } } ]
  downstream: [ { delay: { ms: 2 } } ]
expect:
  metrics: { intact: { min: 30 }, sticky_reads: { max: 0 } }
`,
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('extends', () => {
  it('merges maps, child first, and replaces fault lists whole', () => {
    const s = loadScenario(write('merge.yaml', 'extends: base.yaml\npair: { messages: 10 }\nproxy: { upstream: [ { coalesce: { bytes: 8 } } ] }\n'));
    expect(s.pair).toMatchObject({ server: { kind: 'builtin', name: 'echo', framing: 'length' }, messages: 10 });
    expect(s.proxy.upstream.map((f) => f.name)).toEqual(['coalesce']);
    expect(s.proxy.downstream.map((f) => f.name)).toEqual(['delay']);
    expect(s.expect.metrics).toEqual({ intact: { min: 30 }, sticky_reads: { max: 0 } });
  });

  it('removes an inherited key that the child sets to null', () => {
    const s = loadScenario(
      write('drop.yaml', 'extends: base.yaml\nexpect:\n  outcome: fail\n  metrics: { intact: ~ }\nproxy: { downstream: ~ }\n'),
    );
    expect(s.expect.metrics).toEqual({ sticky_reads: { max: 0 } });
    expect(s.expect.outcome).toBe('fail');
    expect(s.proxy.downstream).toEqual([]);
    expect(s.proxy.upstream.map((f) => f.name)).toEqual(['split']);
  });

  it('lets a grandchild set again what its parent removed', () => {
    write('middle.yaml', 'extends: base.yaml\nexpect: { metrics: { intact: ~ } }\n');
    const s = loadScenario(write('grandchild.yaml', 'extends: middle.yaml\nexpect: { metrics: { intact: { min: 7 } } }\n'));
    expect(s.expect.metrics).toEqual({ intact: { min: 7 }, sticky_reads: { max: 0 } });
  });

  it('rejects a null with nothing inherited under it, naming the key', () => {
    const file = write('stray-null.yaml', 'extends: base.yaml\nexpect: { timeout_ms: ~ }\n');
    expect(() => loadScenario(file)).toThrow(ScenarioInvalidError);
    expect(() => loadScenario(file)).toThrow(/expect\.timeout_ms/);
  });
});
