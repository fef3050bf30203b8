// Every malformed-scenario fixture is rejected with exit 2 and a message naming the bad key.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../runner/cli.ts';

const dir = path.join(import.meta.dirname, '../fixtures/scenarios/bad');
const fixtures = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

async function check(file: string): Promise<{ code: number; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks: Buffer[] = [];
  err.on('data', (c: Buffer) => chunks.push(c));
  const code = await main(['check', file], out, err);
  return { code, stderr: Buffer.concat(chunks).toString() };
}

describe('malformed scenarios', () => {
  it('has at least 15 fixtures, one per kind of mistake', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(15);
  });

  it.each(fixtures)('%s exits 2 naming the key', async (name) => {
    const file = path.join(dir, name);
    // The first line of each fixture says which key path (or phrase) the message must name.
    const wanted = /^# expect: (.+)$/m.exec(readFileSync(file, 'utf8'))![1]!.trim();
    const { code, stderr } = await check(file);
    expect(code).toBe(2);
    expect(stderr).toContain(wanted);
    expect(stderr).toMatch(/ERR_SCENARIO_(INVALID|READ)/);
    expect(stderr).toContain('bad/'); // names the file
    expect(stderr).not.toMatch(/\n\s+at .+:\d+:\d+/); // no stack trace
  });

  it('gives line and column for a key inside the YAML', async () => {
    const { stderr } = await check(path.join(dir, '11-min-above-max.yaml'));
    expect(stderr).toContain('11-min-above-max.yaml:5:21: proxy.downstream[0].split.min: expected min <= max (3), found 9');
  });
});
