// reset: abort the connection with RST after some bytes or some time (ECONNRESET at both peers).
import { defineFault, exactlyOne, faultOptions } from '../definition.ts';
import type { StreamContext, StreamFault } from './contract.ts';
import { createTrigger, triggerOptions } from './trigger.ts';

export const reset = defineFault({
  schema: faultOptions('Reset the connection (RST) after_bytes of this direction, or after_ms.', triggerOptions),
  check: (o) => exactlyOne(o, ['after_bytes', 'after_ms']),
  create(o, ctx: StreamContext): StreamFault {
    const trigger = createTrigger(o, ctx, () => ctx.out.finish('reset'));
    return {
      write(chunk, offset) {
        const rest = trigger.pass(chunk, offset);
        if (rest.length > 0) ctx.discard(offset + chunk.length - rest.length, rest.length, 'reset');
      },
    };
  },
});
