// slow_close: hold the end of this direction (its FIN or close) for ms after the bytes before it.
import { Type } from '@sinclair/typebox';
import { defineFault, faultOptions } from '../definition.ts';
import type { StreamContext, StreamFault } from './contract.ts';

export const slowClose = defineFault({
  schema: faultOptions('Delay the close of this direction by ms; data is not delayed (Toxiproxy slow_close).', {
    ms: Type.Number({ minimum: 0, description: 'How long the FIN or close waits after the last byte.' }),
  }),
  create(o, ctx: StreamContext): StreamFault {
    return {
      write(chunk) {
        ctx.out.push(chunk);
      },
      // The link forwards the end only when this resolves; a reset is never held (it skips end()).
      end: () => ctx.timers.sleep(o.ms),
    };
  },
});
