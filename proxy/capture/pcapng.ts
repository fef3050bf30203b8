// Encodes pcapng blocks (section header, interface description, enhanced packet) for Wireshark/tshark.
//
// Format: the pcapng specification (IETF draft-ietf-opsawg-pcapng). Everything is written
// little-endian; readers detect the byte order from the section header's magic.

/** LINKTYPE_RAW: each packet starts with its IPv4 (or IPv6) header, no link layer. */
export const LINKTYPE_RAW = 101;

const BLOCK_SHB = 0x0a0d0d0a;
const BLOCK_IDB = 0x00000001;
const BLOCK_EPB = 0x00000006;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

const OPT_END = 0;
const OPT_COMMENT = 1;
const SHB_USERAPPL = 4;
const IF_NAME = 2;
const IF_DESCRIPTION = 3;
const IF_TSRESOL = 9;

const pad4 = (n: number): number => (n + 3) & ~3;

interface Option {
  code: number;
  value: Buffer;
}

function encodeOptions(options: readonly Option[]): Buffer {
  if (options.length === 0) return Buffer.alloc(0);
  const size = options.reduce((n, o) => n + 4 + pad4(o.value.length), 0) + 4;
  const out = Buffer.alloc(size);
  let pos = 0;
  for (const o of options) {
    out.writeUInt16LE(o.code, pos);
    out.writeUInt16LE(o.value.length, pos + 2);
    o.value.copy(out, pos + 4);
    pos += 4 + pad4(o.value.length);
  }
  out.writeUInt16LE(OPT_END, pos);
  return out;
}

/** Option values are at most 65535 bytes; comments longer than that are cut (UTF-8 safe enough for ASCII notes). */
function text(code: number, value: string): Option {
  const bytes = Buffer.from(value, 'utf8');
  return { code, value: bytes.length > 0xffff ? bytes.subarray(0, 0xffff) : bytes };
}

/** type, total length, body, total length — the frame every block shares. */
function block(type: number, body: Buffer): Buffer {
  const total = 12 + body.length;
  const out = Buffer.alloc(total);
  out.writeUInt32LE(type, 0);
  out.writeUInt32LE(total, 4);
  body.copy(out, 8);
  out.writeUInt32LE(total, total - 4);
  return out;
}

export function sectionHeader(opts: { application?: string; comment?: string } = {}): Buffer {
  const head = Buffer.alloc(16);
  head.writeUInt32LE(BYTE_ORDER_MAGIC, 0);
  head.writeUInt16LE(1, 4); // major version
  head.writeUInt16LE(0, 6); // minor version
  head.writeBigInt64LE(-1n, 8); // section length: not given
  const options: Option[] = [];
  if (opts.comment) options.push(text(OPT_COMMENT, opts.comment));
  if (opts.application) options.push(text(SHB_USERAPPL, opts.application));
  return block(BLOCK_SHB, Buffer.concat([head, encodeOptions(options)]));
}

/** One interface; timestamps of its packets are in microseconds (if_tsresol 6). */
export function interfaceDescription(opts: { linkType: number; snapLen?: number; name?: string; description?: string }): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16LE(opts.linkType, 0);
  head.writeUInt32LE(opts.snapLen ?? 0, 4); // 0: no limit
  const options: Option[] = [];
  if (opts.name) options.push(text(IF_NAME, opts.name));
  if (opts.description) options.push(text(IF_DESCRIPTION, opts.description));
  options.push({ code: IF_TSRESOL, value: Buffer.from([6]) });
  return block(BLOCK_IDB, Buffer.concat([head, encodeOptions(options)]));
}

export interface EnhancedPacket {
  interfaceId: number;
  /** Microseconds since the Unix epoch. */
  timestampUs: number;
  /** The bytes kept; may be shorter than `originalLength` (a snapped packet). */
  data: Buffer;
  originalLength?: number;
  comments?: readonly string[];
}

export function enhancedPacket(p: EnhancedPacket): Buffer {
  const head = Buffer.alloc(20);
  const ts = Math.max(0, Math.round(p.timestampUs));
  head.writeUInt32LE(p.interfaceId, 0);
  head.writeUInt32LE(Math.floor(ts / 2 ** 32), 4);
  head.writeUInt32LE(ts % 2 ** 32, 8);
  head.writeUInt32LE(p.data.length, 12);
  head.writeUInt32LE(p.originalLength ?? p.data.length, 16);
  const padding = Buffer.alloc(pad4(p.data.length) - p.data.length);
  const options = encodeOptions((p.comments ?? []).map((c) => text(OPT_COMMENT, c)));
  return block(BLOCK_EPB, Buffer.concat([head, p.data, padding, options]));
}
