// coalesce: hold small writes and emit them glued together ("sticky packets").
import { Type } from '@sinclair/typebox';
import { defineFault, faultOptions } from '../definition.ts';
import type { StreamContext, StreamFault } from './contract.ts';

export const coalesce = defineFault({
  schema: faultOptions('Hold bytes until `bytes` are buffered or `window_ms` passes, then emit them as one write.', {
    bytes: Type.Integer({ minimum: 1, description: 'Emit a write as soon as this many bytes are held.' }),
    window_ms: Type.Optional(
      Type.Number({ minimum: 0, default: 20, description: 'Longest time the first held byte waits.' }),
    ),
  }),
  create(o, ctx: StreamContext): StreamFault {
    const windowMs = o.window_ms ?? 20;
    let parts: Buffer[] = [];
    let held = 0;
    let timer: NodeJS.Timeout | undefined;

    const flush = (): void => {
      ctx.timers.cancel(timer);
      timer = undefined;
      if (held === 0) return;
      const all = parts.length === 1 ? parts[0]! : Buffer.concat(parts, held);
      parts = [];
      held = 0;
      ctx.out.push(all);
    };

    return {
      write(chunk) {
        let pos = 0;
        // Cut at exact multiples of `bytes` so boundaries are stream positions, not read sizes.
        while (pos < chunk.length) {
          const take = Math.min(o.bytes - held, chunk.length - pos);
          parts.push(chunk.subarray(pos, pos + take));
          held += take;
          pos += take;
          if (held === o.bytes) flush();
        }
        if (held > 0 && timer === undefined) timer = ctx.timers.after(windowMs, flush);
      },
      end: flush,
    };
  },
});
