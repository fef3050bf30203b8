// delay: hand each chunk on after ms ± jitter_ms, never out of order (a stream does not reorder).
import { Type } from '@sinclair/typebox';
import { defineFault, faultOptions } from '../definition.ts';
import type { StreamContext, StreamFault } from './contract.ts';

export const delay = defineFault({
  schema: faultOptions('Delay each chunk by ms, ± jitter_ms drawn uniformly; order is kept.', {
    ms: Type.Number({ minimum: 0, description: 'Base delay in milliseconds.' }),
    jitter_ms: Type.Optional(Type.Number({ minimum: 0, default: 0, description: 'Uniform jitter around ms.' })),
  }),
  create(o, ctx: StreamContext): StreamFault {
    const jitter = o.jitter_ms ?? 0;
    const queue: ({ at: number; chunk: Buffer } | undefined)[] = [];
    let head = 0;
    let lastAt = 0;
    let timer: NodeJS.Timeout | undefined;
    let drained: (() => void) | undefined;

    const release = (): void => {
      timer = undefined;
      const now = performance.now();
      // Timers fire up to a millisecond early or late; release everything due within half of one.
      for (let next = queue[head]; next !== undefined && next.at <= now + 0.5; next = queue[head]) {
        ctx.out.push(next.chunk);
        queue[head++] = undefined;
      }
      if (head === queue.length) {
        queue.length = 0;
        head = 0;
        drained?.();
      } else {
        timer = ctx.timers.after(queue[head]!.at - now, release);
      }
    };

    return {
      write(chunk) {
        const offset = jitter > 0 ? (ctx.rng.next() * 2 - 1) * jitter : 0;
        // A later chunk never overtakes an earlier one: release times only move forward.
        const at = Math.max(lastAt, performance.now() + Math.max(0, o.ms + offset));
        lastAt = at;
        queue.push({ at, chunk });
        if (timer === undefined) timer = ctx.timers.after(at - performance.now(), release);
      },
      end() {
        if (head === queue.length) return;
        return new Promise<void>((resolve) => {
          drained = resolve;
        });
      },
    };
  },
});
