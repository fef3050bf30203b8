// truncate (UDP): datagrams longer than max_bytes arrive cut to it, shorter ones whole; nothing else changes.
import { describe, expect, it } from 'vitest';
import { makeFault, numbered, throughUpstream, useUdpCleanup } from '../../../helpers/udp.ts';

describe('truncate', () => {
  const cleanup = useUdpCleanup();

  it('decides by length alone', () => {
    const { fault, notes } = makeFault('truncate', { max_bytes: 10 });
    const [short] = fault.process({ data: Buffer.alloc(10, 1), index: 0 }, 0);
    const [long] = fault.process({ data: Buffer.alloc(11, 2), index: 1 }, 0);
    expect(short!.datagram.data).toHaveLength(10);
    expect(long!.datagram.data).toEqual(Buffer.alloc(10, 2));
    expect(notes).toEqual([{ kind: 'truncate', index: 1, size: 10, note: 'from 11' }]);
  });

  it('the server reads each datagram cut to max_bytes, as a too-small recvfrom buffer would', async () => {
    const sizes = [0, 1, 4, 49, 50, 51, 100, 1000, 65507];
    const sent = sizes.map((size, i) => (size < 4 ? Buffer.alloc(size, i) : numbered(i, size)));
    const { got, session } = await throughUpstream(cleanup, [{ truncate: { max_bytes: 50 } }], sent);
    expect(got.map((d) => d.length)).toEqual(sizes.map((s) => Math.min(s, 50)));
    got.forEach((d, i) => expect(d.equals(sent[i]!.subarray(0, 50))).toBe(true));
    expect(session.upstream.trace.totals.truncated).toBe(4);
    expect(session.upstream.trace.totals.bytesOut).toBe(sizes.reduce((a, s) => a + Math.min(s, 50), 0));
  });

  it('max_bytes 0 delivers empty datagrams, one for one', async () => {
    const sent = [numbered(0, 30), numbered(1, 300)];
    const { got } = await throughUpstream(cleanup, [{ truncate: { max_bytes: 0 } }], sent);
    expect(got.map((d) => d.length)).toEqual([0, 0]);
  });
});
