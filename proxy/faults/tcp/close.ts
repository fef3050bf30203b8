// close: end with FIN after some bytes or some time; `half` ends only this direction.
import { Type } from '@sinclair/typebox';
import { defineFault, exactlyOne, faultOptions } from '../definition.ts';
import type { StreamContext, StreamFault } from './contract.ts';
import { createTrigger, triggerOptions } from './trigger.ts';

export const close = defineFault({
  schema: faultOptions('Close with FIN after_bytes of this direction, or after_ms.', {
    ...triggerOptions,
    half: Type.Optional(
      Type.Boolean({ default: false, description: 'End only this direction; the other stays open.' }),
    ),
  }),
  check: (o) => exactlyOne(o, ['after_bytes', 'after_ms']),
  create(o, ctx: StreamContext): StreamFault {
    const trigger = createTrigger(o, ctx, () => ctx.out.finish(o.half ? 'half-close' : 'close'));
    return {
      write(chunk, offset) {
        const rest = trigger.pass(chunk, offset);
        if (rest.length > 0) ctx.discard(offset + chunk.length - rest.length, rest.length, 'close');
      },
    };
  },
});
