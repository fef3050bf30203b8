// blackhole: swallow the direction's bytes silently, like a hung peer; optionally close later.
import { Type } from '@sinclair/typebox';
import { defineFault, faultOptions } from '../definition.ts';
import type { StreamContext, StreamFault } from './contract.ts';
import { createTrigger, triggerOptions } from './trigger.ts';

export const blackhole = defineFault({
  schema: faultOptions('Swallow bytes from after_bytes or after_ms on (default: from the start).', {
    ...triggerOptions,
    close_after_ms: Type.Optional(
      Type.Number({ minimum: 0, description: 'Close the connection this long after swallowing starts.' }),
    ),
  }),
  check(o) {
    if (o.after_bytes !== undefined && o.after_ms !== undefined) {
      return { key: '', expected: 'at most one of after_bytes, after_ms', found: 'after_bytes and after_ms' };
    }
    return undefined;
  },
  create(o, ctx: StreamContext): StreamFault {
    const start = o.after_bytes === undefined && o.after_ms === undefined ? { after_bytes: 0 } : o;
    const trigger = createTrigger(start, ctx, () => {
      ctx.note('drop', 0, 0, 'blackhole starts');
      if (o.close_after_ms !== undefined) ctx.timers.after(o.close_after_ms, () => ctx.out.finish('close'));
    });
    return {
      write(chunk, offset) {
        const rest = trigger.pass(chunk, offset);
        if (rest.length > 0) ctx.discard(offset + chunk.length - rest.length, rest.length, 'blackhole');
      },
    };
  },
});
