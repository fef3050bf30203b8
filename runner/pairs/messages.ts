// Seeded message bodies: sizes and contents come from the scenario seed, so a rerun sends the same bytes.
import { Rng, mixSeed } from '../../proxy/index.ts';

const ALPHABET = Buffer.from('abcdefghijklmnopqrstuvwxyz0123456789 .,-');

/** `count` bodies with sizes in [min, max], lower-case ASCII without newlines. */
export function makeMessages(seed: number, count: number, min: number, max: number, stream = 0): Buffer[] {
  const rng = new Rng(mixSeed(seed, 0x6d5, stream));
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const body = Buffer.allocUnsafe(rng.int(min, max));
    for (let j = 0; j < body.length; j++) body[j] = ALPHABET[rng.int(0, ALPHABET.length - 1)]!;
    out.push(body);
  }
  return out;
}

/** The echo servers' transformation: ASCII a–z upper-cased, every other byte unchanged. */
export function upperAscii(data: Buffer): Buffer {
  const out = Buffer.allocUnsafe(data.length);
  for (let i = 0; i < data.length; i++) {
    const b = data[i]!;
    out[i] = b >= 0x61 && b <= 0x7a ? b - 0x20 : b;
  }
  return out;
}
