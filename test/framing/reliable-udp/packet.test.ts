// The wire format: packets round-trip, and any flipped bit or cut datagram is refused by the CRC check.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  KIND_DATA,
  KIND_FIN,
  decodePacket,
  elapsedSince,
  encodeAck,
  encodeData,
  encodeProbe,
  unwrapSeq,
  wireTime,
} from '../../../framing/reliable-udp/packet.ts';

const RUNS = { seed: 5, numRuns: 300 };
const u32 = fc.nat({ max: 0xffffffff });
const ackState = fc.record({ una: u32, wnd: fc.nat({ max: 0xffff }), tsEcho: fc.option(u32, { nil: undefined }) });

describe('reliable-UDP packets', () => {
  it('round-trip DATA, FIN, ACK and PROBE', () => {
    fc.assert(
      fc.property(ackState, u32, fc.nat({ max: 0xffff }), u32, fc.uint8Array({ maxLength: 1200 }), (ack, seq, frg, ts, payload) => {
        for (const kind of [KIND_DATA, KIND_FIN] as const) {
          const packet = decodePacket(encodeData(kind, ack, seq, frg, ts, payload));
          expect(packet).toEqual({ ...ack, kind, seq, frg, ts, payload: Buffer.from(payload) });
        }
        expect(decodePacket(encodeProbe(ack))).toEqual({ ...ack, kind: 4 });
      }),
      RUNS,
    );
    const sack = Buffer.from([0b1010_0001, 0, 0xff]);
    expect(decodePacket(encodeAck({ una: 5, wnd: 9, tsEcho: undefined }, 70000, sack))).toEqual({
      una: 5,
      wnd: 9,
      tsEcho: undefined,
      kind: 2,
      dups: 70000 & 0xffff,
      sack,
    });
  });

  it('refuses a datagram with any one bit flipped, or cut to any shorter length', () => {
    const datagram = encodeData(KIND_DATA, { una: 1, wnd: 2, tsEcho: 3 }, 4, 0, 5, Buffer.from('payload'));
    for (let bit = 0; bit < datagram.length * 8; bit++) {
      const damaged = Buffer.from(datagram);
      damaged[bit >> 3] = (damaged[bit >> 3] as number) ^ (1 << (bit & 7));
      expect(decodePacket(damaged)).toBeUndefined();
    }
    for (let n = 0; n < datagram.length; n++) expect(decodePacket(datagram.subarray(0, n))).toBeUndefined();
  });

  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        decodePacket(Buffer.from(bytes));
      }),
      RUNS,
    );
  });

  it('unwraps 32-bit sequence numbers to the nearest full one, across the wrap', () => {
    expect(unwrapSeq(5, 3)).toBe(5);
    expect(unwrapSeq(0xfffffffe, 2 ** 32 + 1)).toBe(2 ** 32 - 2);
    expect(unwrapSeq(3, 2 ** 32 - 2)).toBe(2 ** 32 + 3);
    fc.assert(
      fc.property(fc.nat({ max: 2 ** 40 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (near, delta) => {
        const full = near + delta;
        expect(unwrapSeq(full % 2 ** 32, near)).toBe(full);
      }),
      RUNS,
    );
  });

  it('measures elapsed time across the 32-bit timestamp wrap', () => {
    const sent = 2 ** 32 - 10;
    expect(elapsedSince(wireTime(sent), sent + 25)).toBe(25);
  });
});
