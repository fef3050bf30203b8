// The "after_bytes or after_ms" moment shared by reset, close, blackhole and limit (not a fault).
import { Type } from '@sinclair/typebox';
import type { StreamContext } from './contract.ts';

export const triggerOptions = {
  after_bytes: Type.Optional(
    Type.Integer({ minimum: 0, description: 'Act once this many bytes of this direction have passed.' }),
  ),
  after_ms: Type.Optional(Type.Number({ minimum: 0, description: 'Act this long after the connection opened.' })),
};

export interface TriggerOptions {
  after_bytes?: number;
  after_ms?: number;
}

export interface Trigger {
  readonly fired: boolean;
  /**
   * Hand on the part of `chunk` before the trigger point and fire when it is reached.
   * Returns the part at or after the point (empty while the trigger has not fired).
   */
  pass(chunk: Buffer, offset: number): Buffer;
}

export function createTrigger(o: TriggerOptions, ctx: StreamContext, fire: () => void): Trigger {
  let fired = false;
  const doFire = (): void => {
    if (fired) return;
    fired = true;
    fire();
  };
  if (o.after_ms !== undefined) ctx.timers.after(o.after_ms, doFire);
  if (o.after_bytes === 0) ctx.timers.after(0, doFire);
  const empty = Buffer.alloc(0);
  return {
    get fired() {
      return fired;
    },
    pass(chunk, offset) {
      if (fired) return chunk;
      const limit = o.after_bytes;
      // Fire as soon as `limit` bytes have passed, not at the first byte beyond them: a peer that
      // sends exactly that many and waits for an answer must still see the fault.
      if (limit === undefined || offset + chunk.length < limit) {
        ctx.out.push(chunk);
        return empty;
      }
      const keep = Math.max(0, limit - offset);
      if (keep > 0) ctx.out.push(chunk.subarray(0, keep));
      doFire();
      return chunk.subarray(keep);
    },
  };
}
