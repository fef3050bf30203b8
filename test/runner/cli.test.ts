// The CLI's small commands: help, list, schema, unknown commands.
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../runner/cli.ts';

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  const o: Buffer[] = [];
  const e: Buffer[] = [];
  out.on('data', (c: Buffer) => o.push(c));
  err.on('data', (c: Buffer) => e.push(c));
  const code = await main(args, out, err);
  return { code, out: Buffer.concat(o).toString(), err: Buffer.concat(e).toString() };
}

const good = path.join(import.meta.dirname, '../fixtures/scenarios/good');

describe('wirefault CLI', () => {
  it('prints help for every command', async () => {
    for (const command of ['run', 'list', 'check', 'proxy', 'pair', 'schema']) {
      const { code, out } = await cli(command, '--help');
      expect(code, command).toBe(0);
      expect(out, command).toMatch(new RegExp(`^Usage: wirefault ${command}`));
    }
  });

  it('rejects an unknown command with exit 2', async () => {
    const { code, err } = await cli('frobnicate');
    expect(code).toBe(2);
    expect(err).toContain('unknown command "frobnicate"');
  });

  it('lists scenarios with their descriptions', async () => {
    const { code, out } = await cli('list', good);
    expect(code).toBe(0);
    expect(out).toContain('echo-length-split  [tcp, expect pass]');
    expect(out).toContain('A framed echo pair survives replies cut into 3-byte pieces.');
  });

  it('prints a JSON Schema that knows every fault and its options', async () => {
    const { code, out } = await cli('schema');
    expect(code).toBe(0);
    const schema = JSON.parse(out) as { then: unknown; else: { properties: { proxy: unknown } } };
    const text = JSON.stringify(schema.else.properties.proxy);
    for (const name of ['split', 'coalesce', 'delay', 'throttle', 'drop', 'corrupt', 'reset', 'close', 'blackhole', 'limit']) {
      expect(text).toContain(`"${name}"`);
    }
    expect(text).toContain('"gap_ms"');
    expect(text).toContain('"additionalProperties":false');
  });
});
