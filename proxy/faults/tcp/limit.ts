// limit: forward this many bytes of the direction, then close the connection.
import { Type } from '@sinclair/typebox';
import { defineFault, faultOptions } from '../definition.ts';
import type { StreamContext, StreamFault } from './contract.ts';
import { createTrigger } from './trigger.ts';

export const limit = defineFault({
  schema: faultOptions('Forward `bytes` bytes of this direction, then close the connection.', {
    bytes: Type.Integer({ minimum: 0, description: 'Bytes forwarded before the close.' }),
  }),
  create(o, ctx: StreamContext): StreamFault {
    const trigger = createTrigger({ after_bytes: o.bytes }, ctx, () => ctx.out.finish('close'));
    return {
      write(chunk, offset) {
        const rest = trigger.pass(chunk, offset);
        if (rest.length > 0) ctx.discard(offset + chunk.length - rest.length, rest.length, 'limit');
      },
    };
  },
});
