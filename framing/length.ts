// Length-prefixed framing: a 1/2/4/8-byte length header (either byte order, signed or not), then the body.
import { ChunkBuffer } from './chunk-buffer.ts';
import { BaseDecoder, type Framing } from './decoder.ts';
import { BadLengthError, FrameTooLargeError, FramingOptionError } from './errors.ts';
import { maxFrameOption } from './options.ts';

export interface LengthOptions {
  /** Size of the length header in bytes. Default 4. */
  headerBytes?: 1 | 2 | 4 | 8;
  /** Default 'big' (network order, Python's `struct.pack('!I', n)`). */
  endian?: 'big' | 'little';
  /** Whether the header is a signed integer (negative values are then rejected). Default false. */
  signed?: boolean;
  /** Largest body accepted or encoded, in bytes. Default 16 MiB. */
  maxFrame?: number;
}

type ReadLength = (buf: Buffer, offset: number) => number | bigint;
type WriteLength = (buf: Buffer, value: number) => void;

interface LengthFormat {
  headerBytes: number;
  read: ReadLength;
  write: WriteLength;
  maxFrame: number;
  /** Largest body this header can describe and `maxFrame` allows. */
  limit: number;
}

function formatOf(opts: LengthOptions): LengthFormat {
  const headerBytes = opts.headerBytes ?? 4;
  const big = (opts.endian ?? 'big') === 'big';
  if (opts.endian !== undefined && opts.endian !== 'big' && opts.endian !== 'little') {
    throw new FramingOptionError('endian', "'big' or 'little'", opts.endian);
  }
  const signed = opts.signed ?? false;
  const maxFrame = maxFrameOption(opts.maxFrame);
  let read: ReadLength;
  let write: WriteLength;
  switch (headerBytes) {
    case 1:
      read = signed ? (b, o) => b.readInt8(o) : (b, o) => b.readUInt8(o);
      write = (b, v) => b.writeUInt8(v, 0);
      break;
    case 2:
      read = signed
        ? big ? (b, o) => b.readInt16BE(o) : (b, o) => b.readInt16LE(o)
        : big ? (b, o) => b.readUInt16BE(o) : (b, o) => b.readUInt16LE(o);
      write = big ? (b, v) => b.writeUInt16BE(v, 0) : (b, v) => b.writeUInt16LE(v, 0);
      break;
    case 4:
      read = signed
        ? big ? (b, o) => b.readInt32BE(o) : (b, o) => b.readInt32LE(o)
        : big ? (b, o) => b.readUInt32BE(o) : (b, o) => b.readUInt32LE(o);
      write = big ? (b, v) => b.writeUInt32BE(v, 0) : (b, v) => b.writeUInt32LE(v, 0);
      break;
    case 8:
      read = signed
        ? big ? (b, o) => b.readBigInt64BE(o) : (b, o) => b.readBigInt64LE(o)
        : big ? (b, o) => b.readBigUInt64BE(o) : (b, o) => b.readBigUInt64LE(o);
      write = big ? (b, v) => b.writeBigUInt64BE(BigInt(v), 0) : (b, v) => b.writeBigUInt64LE(BigInt(v), 0);
      break;
    default:
      throw new FramingOptionError('headerBytes', '1, 2, 4 or 8', headerBytes);
  }
  // A signed header spends its top bit on the sign; 8 bytes describe more than any JS length anyway.
  const headerMax = headerBytes === 8 ? Number.MAX_SAFE_INTEGER : 2 ** (8 * headerBytes - (signed ? 1 : 0)) - 1;
  return { headerBytes, read, write, maxFrame, limit: Math.min(maxFrame, headerMax) };
}

function checkedLength(raw: number | bigint, format: LengthFormat): number {
  if (raw < 0) throw new BadLengthError(`negative length ${raw}`);
  if (raw > format.maxFrame) throw new FrameTooLargeError(raw, format.maxFrame);
  return Number(raw);
}

function header(format: LengthFormat, bodyLength: number): Buffer {
  if (bodyLength > format.limit) throw new FrameTooLargeError(bodyLength, format.limit);
  const out = Buffer.allocUnsafe(format.headerBytes);
  format.write(out, bodyLength);
  return out;
}

function encode(format: LengthFormat, body: Uint8Array): Buffer {
  if (body.length > format.limit) throw new FrameTooLargeError(body.length, format.limit);
  const out = Buffer.allocUnsafe(format.headerBytes + body.length);
  format.write(out, body.length);
  out.set(body, format.headerBytes);
  return out;
}

/** Just the header for a body of `bodyLength` bytes, to write before a body you send separately. */
export function lengthHeader(bodyLength: number, opts: LengthOptions = {}): Buffer {
  return header(formatOf(opts), bodyLength);
}

/** Header and body in one buffer (one copy of the body). */
export function encodeLengthFrame(body: Uint8Array, opts: LengthOptions = {}): Buffer {
  return encode(formatOf(opts), body);
}

export class LengthDecoder extends BaseDecoder<Buffer> {
  private readonly format: LengthFormat;
  private readonly buf = new ChunkBuffer();
  private readonly scratch: Buffer;
  /** Body length of the frame in progress once its header is read; -1 while reading a header. */
  private need = -1;

  constructor(opts: LengthOptions = {}) {
    super();
    this.format = formatOf(opts);
    this.scratch = Buffer.alloc(this.format.headerBytes);
  }

  get midFrame(): boolean {
    return this.need >= 0 || this.buf.length > 0;
  }

  get buffered(): number {
    return this.buf.length;
  }

  protected decode(chunk: Buffer, out: Buffer[]): void {
    const buf = this.buf;
    const size = this.format.headerBytes;
    buf.append(chunk);
    for (;;) {
      if (this.need < 0) {
        if (buf.length < size) return;
        const front = buf.front() as Buffer;
        // The length is checked here, before a single body byte is held for it.
        const raw = front.length >= size ? this.format.read(front, 0) : this.readSplitHeader();
        this.need = checkedLength(raw, this.format);
        buf.skip(size);
      }
      if (buf.length < this.need) return;
      out.push(buf.take(this.need));
      this.need = -1;
    }
  }

  private readSplitHeader(): number | bigint {
    this.buf.peek(this.scratch, this.format.headerBytes);
    return this.format.read(this.scratch, 0);
  }

  protected reset(): void {
    this.buf.clear();
    this.need = -1;
  }

  protected position(): string {
    return this.need < 0 ? 'in the length header' : `in a body of ${this.need} bytes`;
  }
}

/** Length-prefixed framing with these options, resolved once. */
export function lengthFraming(opts: LengthOptions = {}): Framing<Uint8Array, Buffer> {
  const format = formatOf(opts);
  return {
    name: 'length',
    encode: (body) => encode(format, body),
    decoder: () => new LengthDecoder(opts),
  };
}
