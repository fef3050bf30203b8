// corrupt (UDP): flip one bit in chosen datagrams, at a drawn byte and bit, as netem's corrupt does.
import { Type } from '@sinclair/typebox';
import { defineFault, faultOptions } from '../definition.ts';
import { pass, type DatagramContext, type DatagramFault } from './contract.ts';

export const corrupt = defineFault({
  schema: faultOptions('Flip one bit of each datagram chosen with probability `rate`.', {
    rate: Type.Number({ minimum: 0, maximum: 1, description: 'Probability that a datagram is corrupted.' }),
  }),
  create(o, ctx: DatagramContext): DatagramFault {
    return {
      process(datagram) {
        // Three draws per datagram whatever happens, so one datagram's size never shifts the
        // decisions of the ones after it.
        const hit = ctx.rng.next() < o.rate;
        const where = ctx.rng.next();
        const bit = ctx.rng.int(0, 7);
        const size = datagram.data.length;
        if (!hit || size === 0) return pass(datagram);
        const at = Math.floor(where * size);
        const copy = Buffer.from(datagram.data); // never mutate a buffer someone else may hold (a duplicate)
        copy[at]! ^= 1 << bit;
        ctx.note('corrupt', datagram.index, size, `byte ${at} bit ${bit}`);
        return [{ datagram: { data: copy, index: datagram.index } }];
      },
    };
  },
});
