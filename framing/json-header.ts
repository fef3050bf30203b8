// JSON-header framing (the Python tutorials' scheme): int32 LE header length, UTF-8 JSON header, body.
import { isUtf8 } from 'node:buffer';
import { ChunkBuffer } from './chunk-buffer.ts';
import { BaseDecoder, type Framing } from './decoder.ts';
import { BadHeaderError, BadLengthError, FrameTooLargeError, HeaderTooLargeError } from './errors.ts';
import { intOption, maxFrameOption } from './options.ts';

/** Default cap on the JSON header: 64 KiB. */
export const DEFAULT_MAX_HEADER = 64 * 1024;

/** The decoded header: `data_size` is the body length; other fields (`file_name`, `md5`, ...) are kept. */
export interface JsonHeader {
  data_size: number;
  [field: string]: unknown;
}

export interface JsonHeaderFrame {
  header: JsonHeader;
  body: Buffer;
}

/** What to send: header fields (data_size is filled in from the body) and the body. */
export interface JsonHeaderMessage {
  header?: Record<string, unknown>;
  body: Uint8Array;
}

export interface JsonHeaderOptions {
  /** Largest body (`data_size`) accepted or encoded, in bytes. Default 16 MiB. */
  maxFrame?: number;
  /** Largest JSON header accepted or encoded, in bytes. Default 64 KiB. */
  maxHeader?: number;
}

const LENGTH_BYTES = 4;

interface JsonHeaderFormat {
  maxFrame: number;
  maxHeader: number;
}

function formatOf(opts: JsonHeaderOptions): JsonHeaderFormat {
  return {
    maxFrame: maxFrameOption(opts.maxFrame),
    maxHeader: intOption('maxHeader', opts.maxHeader, DEFAULT_MAX_HEADER, 1, 0x7fff_ffff),
  };
}

function encode(format: JsonHeaderFormat, message: JsonHeaderMessage): Buffer {
  const { body } = message;
  const given = message.header?.['data_size'];
  if (given !== undefined && given !== body.length) {
    throw new BadHeaderError(`data_size ${String(given)} does not match the body length ${body.length}`);
  }
  if (body.length > format.maxFrame) throw new FrameTooLargeError(body.length, format.maxFrame);
  const json = Buffer.from(JSON.stringify({ ...message.header, data_size: body.length }), 'utf8');
  if (json.length > format.maxHeader) throw new HeaderTooLargeError(json.length, format.maxHeader);
  const out = Buffer.allocUnsafe(LENGTH_BYTES + json.length + body.length);
  out.writeInt32LE(json.length, 0);
  json.copy(out, LENGTH_BYTES);
  out.set(body, LENGTH_BYTES + json.length);
  return out;
}

/** Length, header and body in one buffer: what Python's `struct.pack('i', len(h)) + h + body` sends. */
export function encodeJsonHeaderFrame(message: JsonHeaderMessage, opts: JsonHeaderOptions = {}): Buffer {
  return encode(formatOf(opts), message);
}

function parseHeader(bytes: Buffer, maxFrame: number): JsonHeader {
  // toString() alone would replace bad sequences with U+FFFD and accept them.
  if (!isUtf8(bytes)) throw new BadHeaderError('not valid UTF-8');
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new BadHeaderError('not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BadHeaderError('not a JSON object');
  }
  const size = (value as Record<string, unknown>)['data_size'];
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw new BadHeaderError(`data_size must be a non-negative integer, found ${JSON.stringify(size) ?? 'nothing'}`);
  }
  if (size > maxFrame) throw new FrameTooLargeError(size, maxFrame);
  return value as JsonHeader;
}

export class JsonHeaderDecoder extends BaseDecoder<JsonHeaderFrame> {
  private readonly format: JsonHeaderFormat;
  private readonly buf = new ChunkBuffer();
  private readonly scratch = Buffer.alloc(LENGTH_BYTES);
  /** Length of the JSON header being read, or -1 before its length is known. */
  private headerLength = -1;
  /** The parsed header whose body is being read. */
  private header: JsonHeader | undefined;

  constructor(opts: JsonHeaderOptions = {}) {
    super();
    this.format = formatOf(opts);
  }

  get midFrame(): boolean {
    return this.headerLength >= 0 || this.buf.length > 0;
  }

  get buffered(): number {
    return this.buf.length;
  }

  protected decode(chunk: Buffer, out: JsonHeaderFrame[]): void {
    const buf = this.buf;
    buf.append(chunk);
    for (;;) {
      if (this.headerLength < 0) {
        if (buf.length < LENGTH_BYTES) return;
        buf.peek(this.scratch, LENGTH_BYTES);
        const n = this.scratch.readInt32LE(0);
        if (n < 0) throw new BadLengthError(`negative header length ${n}`);
        if (n === 0) throw new BadHeaderError('empty');
        if (n > this.format.maxHeader) throw new HeaderTooLargeError(n, this.format.maxHeader);
        buf.skip(LENGTH_BYTES);
        this.headerLength = n;
      }
      if (this.header === undefined) {
        if (buf.length < this.headerLength) return;
        this.header = parseHeader(buf.take(this.headerLength), this.format.maxFrame);
      }
      const size = this.header.data_size;
      if (buf.length < size) return;
      out.push({ header: this.header, body: buf.take(size) });
      this.header = undefined;
      this.headerLength = -1;
    }
  }

  protected reset(): void {
    this.buf.clear();
    this.headerLength = -1;
    this.header = undefined;
  }

  protected position(): string {
    if (this.headerLength < 0) return 'in the header length';
    if (this.header === undefined) return `in a JSON header of ${this.headerLength} bytes`;
    return `in a body of ${this.header.data_size} bytes`;
  }
}

/** JSON-header framing with these options, resolved once. */
export function jsonHeaderFraming(opts: JsonHeaderOptions = {}): Framing<JsonHeaderMessage, JsonHeaderFrame> {
  const format = formatOf(opts);
  return {
    name: 'json-header',
    encode: (message) => encode(format, message),
    decoder: () => new JsonHeaderDecoder(opts),
  };
}
