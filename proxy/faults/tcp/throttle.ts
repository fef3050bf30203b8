// throttle: limit the stream to bytes_per_sec, pacing it in slices of about 10 ms each.
import { Type } from '@sinclair/typebox';
import { defineFault, faultOptions } from '../definition.ts';
import type { StreamContext, StreamFault } from './contract.ts';

const SLICE_MS = 10;
const MAX_SLICE = 64 * 1024;
const MIN_SLEEP_MS = 1;

export const throttle = defineFault({
  schema: faultOptions('Limit the bandwidth of this direction.', {
    bytes_per_sec: Type.Integer({ minimum: 1, description: 'Bytes per second.' }),
  }),
  create(o, ctx: StreamContext): StreamFault {
    const slice = Math.max(1, Math.min(MAX_SLICE, Math.floor((o.bytes_per_sec * SLICE_MS) / 1000)));
    // Virtual clock: when the link may send its next byte.
    let nextAt = 0;
    return {
      async write(chunk) {
        for (let pos = 0; pos < chunk.length; pos += slice) {
          const piece = chunk.subarray(pos, pos + slice);
          const now = performance.now();
          // A timer cannot sleep much less than a millisecond, so sleeping off the tiny debt of
          // each small chunk (split before throttle) would run far below bytes_per_sec. Let the
          // debt build up to a millisecond and pay it in one sleep; the clock keeps the average.
          if (nextAt - now >= MIN_SLEEP_MS) await ctx.timers.sleep(nextAt - now);
          nextAt = Math.max(nextAt, performance.now()) + (piece.length * 1000) / o.bytes_per_sec;
          ctx.out.push(piece);
        }
      },
    };
  },
});
