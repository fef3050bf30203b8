// reorder (UDP): hold a chosen datagram back until `gap` later datagrams have arrived, then send it.
import { Type } from '@sinclair/typebox';
import { defineFault, faultOptions } from '../definition.ts';
import type { Datagram, DatagramContext, DatagramFault, Emission } from './contract.ts';

export const MAX_GAP = 1000;

interface Held {
  datagram: Datagram;
  /** Later arrivals still to come before it is sent. */
  left: number;
  /** Link time after which it is sent anyway. */
  until: number;
}

export const reorder = defineFault({
  schema: faultOptions(
    'Hold each datagram chosen with probability `rate` back behind the next `gap` datagrams; ' +
      'a held datagram whose successors do not come is sent after `hold_ms`.',
    {
      rate: Type.Number({ minimum: 0, maximum: 1, description: 'Probability that a datagram is held back.' }),
      gap: Type.Optional(
        Type.Integer({ minimum: 1, maximum: MAX_GAP, default: 1, description: 'Later datagrams it is held behind.' }),
      ),
      hold_ms: Type.Optional(
        Type.Number({ minimum: 0, default: 50, description: 'Longest a held datagram waits for its successors.' }),
      ),
    },
  ),
  create(o, ctx: DatagramContext): DatagramFault {
    const gap = o.gap ?? 1;
    const holdMs = o.hold_ms ?? 50;
    // In arrival order, so the first one is always the next to time out. At most `gap` long:
    // each arrival moves every held datagram one step closer to its release.
    const held: Held[] = [];
    let heldBytes = 0;

    const take = (out: Emission[], ready: (h: Held) => boolean): void => {
      while (held.length > 0 && ready(held[0]!)) {
        const h = held.shift()!;
        heldBytes -= h.datagram.data.length;
        out.push({ datagram: h.datagram });
      }
    };

    return {
      process(datagram, now) {
        const size = datagram.data.length;
        const hold = ctx.rng.next() < o.rate && ctx.room(size);
        const out: Emission[] = hold ? [] : [{ datagram }];
        for (const h of held) h.left--;
        // `left` falls in arrival order too, so the releasable ones are at the front.
        take(out, (h) => h.left <= 0);
        if (hold) {
          held.push({ datagram, left: gap, until: now + holdMs });
          heldBytes += size;
          ctx.note('reorder', datagram.index, size, `behind ${gap}`);
        }
        return out;
      },
      nextRelease: () => held[0]?.until,
      release(now) {
        const out: Emission[] = [];
        take(out, (h) => h.until <= now);
        return out;
      },
      held: () => ({ bytes: heldBytes, count: held.length }),
    };
  },
});
