// throttle (UDP): pace datagrams to bytes_per_sec or datagrams_per_sec; a full queue drops new arrivals.
import { Type } from '@sinclair/typebox';
import { defineFault, exactlyOne, faultOptions } from '../definition.ts';
import type { DatagramContext, DatagramFault } from './contract.ts';

export const DEFAULT_QUEUE = 1000;

export const throttle = defineFault({
  schema: faultOptions(
    'Limit this direction to bytes_per_sec (payload bytes) or datagrams_per_sec; at most `queue` ' +
      'datagrams wait for their turn, and a datagram arriving at a full queue is dropped (tail drop).',
    {
      bytes_per_sec: Type.Optional(Type.Integer({ minimum: 1, description: 'Payload bytes per second.' })),
      datagrams_per_sec: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'Datagrams per second.' })),
      queue: Type.Optional(
        Type.Integer({ minimum: 0, default: DEFAULT_QUEUE, description: 'Most datagrams waiting to be sent.' }),
      ),
    },
  ),
  check: (o) => exactlyOne(o, ['bytes_per_sec', 'datagrams_per_sec']),
  create(o, ctx: DatagramContext): DatagramFault {
    const limit = o.queue ?? DEFAULT_QUEUE;
    const cost = o.bytes_per_sec !== undefined
      ? (size: number) => (size * 1000) / o.bytes_per_sec!
      : () => 1000 / o.datagrams_per_sec!;
    // Virtual clock: when the next datagram may leave. A datagram leaves at the start of its slot,
    // so an idle link lets the first of a burst through at once.
    let nextFree = -Infinity;
    // Departure times of the datagrams still waiting, in order (each later than the one before).
    const waiting: number[] = [];
    let head = 0;

    return {
      process(datagram, now) {
        while (head < waiting.length && waiting[head]! <= now) head++;
        if (head === waiting.length) {
          waiting.length = 0;
          head = 0;
        } else if (head > 1024 && head * 2 > waiting.length) {
          waiting.splice(0, head);
          head = 0;
        }
        const at = Math.max(nextFree, now);
        // Only a datagram that must wait for its slot needs a place in the queue.
        if (at > now && waiting.length - head >= limit) {
          ctx.discard(datagram, 'throttle queue full');
          return [];
        }
        nextFree = at + cost(datagram.data.length);
        if (at > now) waiting.push(at);
        return [{ datagram, at }];
      },
    };
  },
});
