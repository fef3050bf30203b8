// delay (UDP): hold each datagram ms ± jitter_ms; with jitter, a later datagram may overtake (real networks do).
import { Type } from '@sinclair/typebox';
import { defineFault, faultOptions } from '../definition.ts';
import type { DatagramContext, DatagramFault } from './contract.ts';

export const delay = defineFault({
  schema: faultOptions('Delay each datagram by ms, ± jitter_ms drawn uniformly; jitter may reorder datagrams.', {
    ms: Type.Number({ minimum: 0, description: 'Base delay in milliseconds.' }),
    jitter_ms: Type.Optional(Type.Number({ minimum: 0, default: 0, description: 'Uniform jitter around ms.' })),
  }),
  create(o, ctx: DatagramContext): DatagramFault {
    const jitter = o.jitter_ms ?? 0;
    return {
      process(datagram, now) {
        // Unlike the TCP delay, release times are not forced to move forward: each datagram
        // keeps its own draw, so jitter larger than the gap between two datagrams swaps them.
        const offset = jitter > 0 ? (ctx.rng.next() * 2 - 1) * jitter : 0;
        return [{ datagram, at: now + Math.max(0, o.ms + offset) }];
      },
    };
  },
});
