// corrupt (TCP): flip one bit in bytes chosen by offset, either at given offsets or at a rate.
import { Type } from '@sinclair/typebox';
import { defineFault, exactlyOne, faultOptions } from '../definition.ts';
import type { StreamContext, StreamFault } from './contract.ts';

export const corrupt = defineFault({
  schema: faultOptions('Flip a bit in chosen bytes: each byte with probability `rate`, or the bytes at `at`.', {
    rate: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Probability that a byte is corrupted.' })),
    at: Type.Optional(
      Type.Union([Type.Integer({ minimum: 0 }), Type.Array(Type.Integer({ minimum: 0 }), { minItems: 1 })], {
        description: 'Offset, or list of offsets, of the bytes to corrupt.',
      }),
    ),
  }),
  check: (o) => exactlyOne(o, ['rate', 'at']),
  create(o, ctx: StreamContext): StreamFault {
    // Offsets to hit, drawn lazily in increasing order: the same seed hits the same bytes.
    let nextHit: () => number;
    if (o.at !== undefined) {
      const list = (Array.isArray(o.at) ? [...o.at] : [o.at]).sort((a, b) => a - b);
      let i = 0;
      nextHit = () => list[i++] ?? Infinity;
    } else {
      let last = -1;
      nextHit = () => (last = last + 1 + ctx.rng.geometric(o.rate ?? 0));
    }
    let hit = nextHit();
    return {
      write(chunk, offset) {
        const end = offset + chunk.length;
        if (hit >= end) {
          ctx.out.push(chunk);
          return;
        }
        const copy = Buffer.from(chunk); // never mutate a buffer someone else may still hold
        while (hit < end) {
          if (hit >= offset) {
            const bit = ctx.rng.int(0, 7);
            copy[hit - offset]! ^= 1 << bit;
            ctx.note('corrupt', hit, 1, `bit ${bit}`);
          }
          let following = nextHit();
          while (following <= hit) following = nextHit(); // a repeated offset in `at` hits once
          hit = following;
        }
        ctx.out.push(copy);
      },
    };
  },
});
