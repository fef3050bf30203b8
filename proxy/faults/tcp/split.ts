// split: re-chunk the stream into writes of drawn sizes, optionally pausing between writes.
import { Type } from '@sinclair/typebox';
import { defineFault, faultOptions } from '../definition.ts';
import type { StreamContext, StreamFault } from './contract.ts';

/**
 * A piece cut short by a pause of the sender is flushed after this long, so request/response
 * traffic is not held waiting for bytes that only come after the reply.
 */
const IDLE_FLUSH_MS = 2;

export const split = defineFault({
  schema: faultOptions('Re-chunk the stream into writes of `size` bytes, or of sizes drawn from min..max.', {
    size: Type.Optional(Type.Integer({ minimum: 1, description: 'Every write has this many bytes.' })),
    min: Type.Optional(Type.Integer({ minimum: 1, description: 'Smallest drawn write size.' })),
    max: Type.Optional(Type.Integer({ minimum: 1, description: 'Largest drawn write size.' })),
    gap_ms: Type.Optional(Type.Number({ minimum: 0, default: 0, description: 'Pause between writes.' })),
  }),
  check(o) {
    if (o.size !== undefined && (o.min !== undefined || o.max !== undefined)) {
      return { key: 'size', expected: 'either size or min/max, not both', found: 'both' };
    }
    if (o.size === undefined) {
      if (o.min === undefined || o.max === undefined) {
        return { key: o.min === undefined ? 'min' : 'max', expected: 'size, or both min and max', found: 'missing' };
      }
      if (o.min > o.max) return { key: 'min', expected: `min <= max (${o.max})`, found: String(o.min) };
    }
    return undefined;
  },
  create(o, ctx: StreamContext): StreamFault {
    const gap = o.gap_ms ?? 0;
    const draw = o.size !== undefined ? () => o.size! : () => ctx.rng.int(o.min!, o.max!);
    let left = draw(); // bytes still missing from the current piece
    let parts: Buffer[] = [];
    let partLen = 0;
    let wroteBefore = false;
    let generation = 0;
    let idle: NodeJS.Timeout | undefined;

    const emit = async (piece: Buffer): Promise<void> => {
      if (gap > 0 && wroteBefore) await ctx.timers.sleep(gap);
      wroteBefore = true;
      ctx.out.push(piece);
    };
    const takeParts = (): Buffer => {
      const piece = parts.length === 1 ? parts[0]! : Buffer.concat(parts, partLen);
      parts = [];
      partLen = 0;
      return piece;
    };

    return {
      async write(chunk) {
        generation++;
        ctx.timers.cancel(idle);
        let pos = 0;
        while (pos < chunk.length) {
          const take = Math.min(left, chunk.length - pos);
          parts.push(chunk.subarray(pos, pos + take));
          partLen += take;
          left -= take;
          pos += take;
          if (left === 0) {
            left = draw();
            await emit(takeParts());
          }
        }
        if (partLen > 0) {
          const armed = generation;
          // Check after the next poll phase too, so bytes already waiting in the kernel cancel it.
          idle = ctx.timers.after(Math.max(IDLE_FLUSH_MS, gap), () =>
            setImmediate(() => {
              if (armed === generation && partLen > 0 && !ctx.timers.isDisposed) {
                wroteBefore = true;
                ctx.out.push(takeParts());
              }
            }),
          );
        }
      },
      async end() {
        ctx.timers.cancel(idle);
        if (partLen > 0) await emit(takeParts());
      },
    };
  },
});
