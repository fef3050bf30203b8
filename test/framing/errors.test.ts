// Every error code framing defines is documented in docs/errors.md, and every error carries its code.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as framing from '../../framing/index.ts';

const source = readFileSync(new URL('../../framing/errors.ts', import.meta.url), 'utf8');
const docs = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
const codes = [...source.matchAll(/'(ERR_[A-Z0-9_]+)'/g)].map((m) => m[1] as string);

describe('framing error codes', () => {
  it('are all listed in the framing table of docs/errors.md', () => {
    expect(codes.length).toBeGreaterThan(5);
    const section = docs.slice(docs.indexOf('## framing'));
    for (const code of codes) expect(section).toContain(`| \`${code}\` |`);
  });

  it('are carried by errors that are FramingErrors, named after their class', () => {
    const err = new framing.FrameTooLargeError(10, 5);
    expect(err).toBeInstanceOf(framing.FramingError);
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe('ERR_FRAME_TOO_LARGE');
    expect(err.name).toBe('FrameTooLargeError');
    expect(new framing.RudpGiveUpError('x').code).toBe('ERR_RUDP_GIVE_UP');
  });
});
