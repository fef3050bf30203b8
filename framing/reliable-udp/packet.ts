// The reliable-UDP wire format: one packet per datagram, CRC-32 checked, sequence numbers 32 bits on the wire.
import { crc32 } from './crc32.ts';

/*
 * Every packet (all integers big-endian):
 *   0  u32 crc32 of bytes [4, end)
 *   4  u8  kind (low 4 bits) | ECHO flag (0x10: tsEcho is valid)
 *   5  u32 una     next sequence number the sender expects from its peer (all before it arrived)
 *   9  u16 wnd     segments the sender can still accept from `una` on
 *  11  u32 tsEcho  the `ts` of the latest data packet received, for an RTT sample (RFC 7323 style)
 * DATA and FIN add:
 *  15  u32 seq, 19 u16 frg (fragments of the same message still to come), 21 u32 ts, 25 payload
 * ACK adds:
 *  15  u16 dups (count of duplicate data packets received, wrapping), 17 u16 n,
 *  19  n bytes of SACK bitmap: bit i (byte i>>3, bit i&7, LSB first) set when una+1+i was received.
 *      A bitmap costs 32 bytes for a 256-segment window however many holes it has; ranges would grow
 *      with the number of holes exactly when loss is heavy.
 * PROBE adds nothing: it asks for an ACK while the peer's window is closed.
 */

export const KIND_DATA = 1;
export const KIND_ACK = 2;
export const KIND_FIN = 3;
export const KIND_PROBE = 4;
const ECHO = 0x10;

export const COMMON_HEADER = 15;
export const DATA_HEADER = 25;
const ACK_FIXED = 19;

/** What every packet says about its sender's receive side. */
export interface AckState {
  una: number;
  wnd: number;
  /** The echoed timestamp, or undefined when the packet echoes nothing. */
  tsEcho: number | undefined;
}

export interface DataPacket extends AckState {
  kind: typeof KIND_DATA | typeof KIND_FIN;
  seq: number;
  frg: number;
  ts: number;
  payload: Buffer;
}

export interface AckPacket extends AckState {
  kind: typeof KIND_ACK;
  dups: number;
  /** SACK bitmap of the segments after `una` (see the layout above). */
  sack: Buffer;
}

export interface ProbePacket extends AckState {
  kind: typeof KIND_PROBE;
}

export type Packet = DataPacket | AckPacket | ProbePacket;

function writeCommon(buf: Buffer, kind: number, ack: AckState): void {
  buf.writeUInt8(kind | (ack.tsEcho === undefined ? 0 : ECHO), 4);
  buf.writeUInt32BE(ack.una >>> 0, 5);
  buf.writeUInt16BE(ack.wnd, 9);
  buf.writeUInt32BE((ack.tsEcho ?? 0) >>> 0, 11);
}

function seal(buf: Buffer): Buffer {
  buf.writeUInt32BE(crc32(buf, 4), 0);
  return buf;
}

export function encodeData(
  kind: typeof KIND_DATA | typeof KIND_FIN,
  ack: AckState,
  seq: number,
  frg: number,
  ts: number,
  payload: Uint8Array,
): Buffer {
  const buf = Buffer.allocUnsafe(DATA_HEADER + payload.length);
  writeCommon(buf, kind, ack);
  buf.writeUInt32BE(seq >>> 0, 15);
  buf.writeUInt16BE(frg, 19);
  buf.writeUInt32BE(ts >>> 0, 21);
  buf.set(payload, DATA_HEADER);
  return seal(buf);
}

export function encodeAck(ack: AckState, dups: number, sack: Uint8Array): Buffer {
  const buf = Buffer.allocUnsafe(ACK_FIXED + sack.length);
  writeCommon(buf, KIND_ACK, ack);
  buf.writeUInt16BE(dups & 0xffff, 15);
  buf.writeUInt16BE(sack.length, 17);
  buf.set(sack, ACK_FIXED);
  return seal(buf);
}

export function encodeProbe(ack: AckState): Buffer {
  const buf = Buffer.allocUnsafe(COMMON_HEADER);
  writeCommon(buf, KIND_PROBE, ack);
  return seal(buf);
}

/** The packet in `buf`, or undefined when it is short, damaged (CRC mismatch) or of an unknown kind. */
export function decodePacket(buf: Buffer): Packet | undefined {
  if (buf.length < COMMON_HEADER || buf.readUInt32BE(0) !== crc32(buf, 4)) return undefined;
  const flags = buf.readUInt8(4);
  const kind = flags & 0x0f;
  const ack: AckState = {
    una: buf.readUInt32BE(5),
    wnd: buf.readUInt16BE(9),
    tsEcho: flags & ECHO ? buf.readUInt32BE(11) : undefined,
  };
  switch (kind) {
    case KIND_DATA:
    case KIND_FIN:
      if (buf.length < DATA_HEADER) return undefined;
      return {
        ...ack,
        kind,
        seq: buf.readUInt32BE(15),
        frg: buf.readUInt16BE(19),
        ts: buf.readUInt32BE(21),
        payload: buf.subarray(DATA_HEADER),
      };
    case KIND_ACK: {
      if (buf.length < ACK_FIXED || buf.length !== ACK_FIXED + buf.readUInt16BE(17)) return undefined;
      return { ...ack, kind, dups: buf.readUInt16BE(15), sack: buf.subarray(ACK_FIXED) };
    }
    case KIND_PROBE:
      return buf.length === COMMON_HEADER ? { ...ack, kind } : undefined;
    default:
      return undefined;
  }
}

/** The full sequence number whose low 32 bits are `wire`, nearest to `near` (which never wraps). */
export function unwrapSeq(wire: number, near: number): number {
  return near + ((wire - near) | 0);
}

/** A 32-bit millisecond timestamp for `ts` fields; differences of two stay right across wrap-around. */
export function wireTime(ms: number): number {
  return Math.floor(ms) >>> 0;
}

/** Milliseconds from wire timestamp `ts` to `nowMs`. */
export function elapsedSince(ts: number, nowMs: number): number {
  return (wireTime(nowMs) - ts) >>> 0;
}
