// duplicate (UDP): send extra copies of chosen datagrams, right behind the original.
import { Type } from '@sinclair/typebox';
import { defineFault, faultOptions } from '../definition.ts';
import type { DatagramContext, DatagramFault, Emission } from './contract.ts';

/** Copies per datagram are capped so one datagram cannot become a flood. */
export const MAX_COPIES = 100;

export const duplicate = defineFault({
  schema: faultOptions('Send `copies` extra copies of each datagram chosen with probability `rate`.', {
    rate: Type.Number({ minimum: 0, maximum: 1, description: 'Probability that a datagram is duplicated.' }),
    copies: Type.Optional(
      Type.Integer({ minimum: 1, maximum: MAX_COPIES, default: 1, description: 'Extra copies of a duplicated datagram.' }),
    ),
  }),
  create(o, ctx: DatagramContext): DatagramFault {
    const copies = o.copies ?? 1;
    return {
      process(datagram) {
        const out: Emission[] = [{ datagram }];
        if (ctx.rng.next() >= o.rate) return out;
        for (let i = 0; i < copies; i++) {
          // Copies share the bytes: nothing downstream mutates a buffer in place (corrupt copies first).
          out.push({ datagram: { data: datagram.data, index: datagram.index } });
          ctx.note('duplicate', datagram.index, datagram.data.length, `copy ${i + 1} of ${copies}`);
        }
        return out;
      },
    };
  },
});
