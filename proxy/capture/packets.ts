// Builds IPv4 packets carrying TCP segments or UDP datagrams, with correct lengths and checksums.

export interface Endpoint {
  /** Four octets of an IPv4 address. */
  ip: readonly [number, number, number, number];
  port: number;
}

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

const PROTO_TCP = 6;
const PROTO_UDP = 17;
const IPV4_HEADER = 20;
export const TCP_HEADER = 20;
export const UDP_HEADER = 8;
/** The most payload one IPv4 packet can carry after a 20-byte TCP header. */
export const MAX_TCP_PAYLOAD = 0xffff - IPV4_HEADER - TCP_HEADER;

/** IPv4 "a.b.c.d" to octets; anything else (IPv6, names) maps to loopback, the only place the proxy runs in tests. */
export function ipv4Octets(host: string | undefined): Endpoint['ip'] {
  const m = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host ?? '');
  if (!m) return [127, 0, 0, 1];
  const o = m.slice(1, 5).map(Number);
  return o.every((n) => n <= 255) ? [o[0]!, o[1]!, o[2]!, o[3]!] : [127, 0, 0, 1];
}

/** Ones'-complement sum of 16-bit words, folded; `initial` carries a pseudo-header's sum. */
function sum16(buf: Buffer, initial = 0): number {
  let sum = initial;
  const even = buf.length & ~1;
  for (let i = 0; i < even; i += 2) sum += (buf[i]! << 8) | buf[i + 1]!;
  if (buf.length & 1) sum += buf[buf.length - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

function pseudoHeaderSum(src: Endpoint, dst: Endpoint, proto: number, length: number): number {
  return (
    ((src.ip[0] << 8) | src.ip[1]) +
    ((src.ip[2] << 8) | src.ip[3]) +
    ((dst.ip[0] << 8) | dst.ip[1]) +
    ((dst.ip[2] << 8) | dst.ip[3]) +
    proto +
    length
  );
}

function ipv4(src: Endpoint, dst: Endpoint, proto: number, id: number, transport: Buffer): Buffer {
  const h = Buffer.alloc(IPV4_HEADER);
  h[0] = 0x45; // version 4, 5 words of header
  h.writeUInt16BE(IPV4_HEADER + transport.length, 2);
  h.writeUInt16BE(id & 0xffff, 4);
  h.writeUInt16BE(0x4000, 6); // don't fragment
  h[8] = 64; // TTL
  h[9] = proto;
  h.set(src.ip, 12);
  h.set(dst.ip, 16);
  h.writeUInt16BE(~sum16(h) & 0xffff, 10);
  return Buffer.concat([h, transport]);
}

export interface TcpSegment {
  src: Endpoint;
  dst: Endpoint;
  seq: number;
  ack: number;
  flags: number;
  window?: number;
  /** TCP options, already encoded (a multiple of 4 bytes). */
  options?: Buffer;
  payload?: Buffer;
  /** IPv4 identification field. */
  id: number;
}

export function tcpPacket(s: TcpSegment): Buffer {
  const options = s.options ?? Buffer.alloc(0);
  const payload = s.payload ?? Buffer.alloc(0);
  const h = Buffer.alloc(TCP_HEADER + options.length);
  h.writeUInt16BE(s.src.port, 0);
  h.writeUInt16BE(s.dst.port, 2);
  h.writeUInt32BE(s.seq >>> 0, 4);
  h.writeUInt32BE(s.ack >>> 0, 8);
  h[12] = (h.length / 4) << 4;
  h[13] = s.flags;
  h.writeUInt16BE(s.window ?? 0xffff, 14);
  options.copy(h, TCP_HEADER);
  const segment = Buffer.concat([h, payload]);
  const checksum = ~sum16(segment, pseudoHeaderSum(s.src, s.dst, PROTO_TCP, segment.length)) & 0xffff;
  segment.writeUInt16BE(checksum, 16);
  return ipv4(s.src, s.dst, PROTO_TCP, s.id, segment);
}

/** The MSS option (kind 2), as a SYN carries it. */
export function mssOption(mss: number): Buffer {
  const b = Buffer.alloc(4);
  b[0] = 2;
  b[1] = 4;
  b.writeUInt16BE(mss, 2);
  return b;
}

export function udpPacket(src: Endpoint, dst: Endpoint, payload: Buffer, id: number): Buffer {
  const d = Buffer.alloc(UDP_HEADER + payload.length);
  d.writeUInt16BE(src.port, 0);
  d.writeUInt16BE(dst.port, 2);
  d.writeUInt16BE(d.length, 4);
  payload.copy(d, UDP_HEADER);
  const checksum = ~sum16(d, pseudoHeaderSum(src, dst, PROTO_UDP, d.length)) & 0xffff;
  d.writeUInt16BE(checksum === 0 ? 0xffff : checksum, 6);
  return ipv4(src, dst, PROTO_UDP, id, d);
}
