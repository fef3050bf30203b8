// truncate (UDP): cut datagrams to max_bytes, as a too-small recvfrom buffer does.
import { Type } from '@sinclair/typebox';
import { defineFault, faultOptions } from '../definition.ts';
import { pass, type DatagramContext, type DatagramFault } from './contract.ts';

export const truncate = defineFault({
  schema: faultOptions('Cut every datagram longer than `max_bytes` down to its first `max_bytes` bytes.', {
    max_bytes: Type.Integer({ minimum: 0, maximum: 65535, description: 'Longest datagram let through whole.' }),
  }),
  create(o, ctx: DatagramContext): DatagramFault {
    return {
      process(datagram) {
        const size = datagram.data.length;
        if (size <= o.max_bytes) return pass(datagram);
        ctx.note('truncate', datagram.index, o.max_bytes, `from ${size}`);
        return [{ datagram: { data: datagram.data.subarray(0, o.max_bytes), index: datagram.index } }];
      },
    };
  },
});
