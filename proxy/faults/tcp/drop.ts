// drop (TCP): remove byte ranges from the stream at fixed offsets, to test desync and resync.
import { Type } from '@sinclair/typebox';
import { defineFault, faultOptions } from '../definition.ts';
import type { StreamContext, StreamFault } from './contract.ts';

export const drop = defineFault({
  schema: faultOptions('Remove `bytes` bytes at offset `at`, and again every `every` bytes after it.', {
    at: Type.Optional(Type.Integer({ minimum: 0, default: 0, description: 'Offset of the first dropped byte.' })),
    bytes: Type.Optional(Type.Integer({ minimum: 1, default: 1, description: 'How many bytes each drop removes.' })),
    every: Type.Optional(Type.Integer({ minimum: 1, description: 'Repeat the drop at this period.' })),
  }),
  check(o) {
    if (o.at === undefined && o.every === undefined) {
      return { key: 'at', expected: 'at, every, or both', found: 'neither' };
    }
    const bytes = o.bytes ?? 1;
    if (o.every !== undefined && bytes >= o.every) {
      return { key: 'bytes', expected: `fewer than every (${o.every})`, found: String(bytes) };
    }
    return undefined;
  },
  create(o, ctx: StreamContext): StreamFault {
    const bytes = o.bytes ?? 1;
    const every = o.every ?? Infinity;
    let start = o.at ?? 0; // next dropped range: [start, start + bytes)
    return {
      write(chunk, offset) {
        const end = offset + chunk.length;
        let pos = offset;
        while (pos < end) {
          if (pos < start) {
            const keepTo = Math.min(end, start);
            ctx.out.push(chunk.subarray(pos - offset, keepTo - offset));
            pos = keepTo;
            continue;
          }
          const dropTo = Math.min(end, start + bytes);
          ctx.discard(pos, dropTo - pos, 'drop');
          pos = dropTo;
          if (pos === start + bytes) start += every;
        }
      },
    };
  },
});
