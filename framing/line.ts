// Delimiter framing: the body, then a delimiter (default "\n"), which the decoder strips.
import { ChunkBuffer } from './chunk-buffer.ts';
import { BaseDecoder, type Framing } from './decoder.ts';
import { DelimiterInBodyError, FrameTooLargeError, FramingOptionError } from './errors.ts';
import { maxFrameOption } from './options.ts';

export interface LineOptions {
  /** Default "\n". A string is encoded as UTF-8. Must not be empty. */
  delimiter?: string | Uint8Array;
  /** Longest body (without the delimiter) accepted or encoded, in bytes. Default 16 MiB. */
  maxFrame?: number;
}

interface LineFormat {
  delimiter: Buffer;
  maxFrame: number;
}

function formatOf(opts: LineOptions): LineFormat {
  const d = opts.delimiter ?? '\n';
  const delimiter = typeof d === 'string' ? Buffer.from(d, 'utf8') : Buffer.from(d);
  if (delimiter.length === 0) throw new FramingOptionError('delimiter', 'a non-empty string or byte array', '""');
  return { delimiter, maxFrame: maxFrameOption(opts.maxFrame) };
}

function encode(format: LineFormat, body: Uint8Array | string): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (bytes.length > format.maxFrame) throw new FrameTooLargeError(bytes.length, format.maxFrame, 'line');
  const out = Buffer.allocUnsafe(bytes.length + format.delimiter.length);
  bytes.copy(out, 0);
  format.delimiter.copy(out, bytes.length);
  // Searching the encoded frame also catches a body whose end starts a delimiter ("xa" + "aa").
  const at = out.indexOf(format.delimiter);
  if (at !== bytes.length) throw new DelimiterInBodyError(at);
  return out;
}

/** The body followed by the delimiter. Throws ERR_DELIMITER_IN_BODY when the body contains it. */
export function encodeLine(body: Uint8Array | string, opts: LineOptions = {}): Buffer {
  return encode(formatOf(opts), body);
}

export class LineDecoder extends BaseDecoder<Buffer> {
  private readonly delimiter: Buffer;
  private readonly maxFrame: number;
  /** Bytes of the line in progress, which never contain a whole delimiter. */
  private readonly buf = new ChunkBuffer();

  constructor(opts: LineOptions = {}) {
    super();
    const format = formatOf(opts);
    this.delimiter = format.delimiter;
    this.maxFrame = format.maxFrame;
  }

  get midFrame(): boolean {
    return this.buf.length > 0;
  }

  get buffered(): number {
    return this.buf.length;
  }

  protected decode(chunk: Buffer, out: Buffer[]): void {
    const d = this.delimiter;
    // Only the new chunk is searched (plus a delimiter split across the boundary), so a long line that
    // arrives in many chunks is scanned once in total.
    let pos = this.buf.length > 0 && d.length > 1 ? this.delimiterAcrossBoundary(chunk, out) : 0;
    for (;;) {
      const at = d.length === 1 ? chunk.indexOf(d[0] as number, pos) : chunk.indexOf(d, pos);
      if (at < 0) break;
      const lineLength = this.buf.length + at - pos;
      if (lineLength > this.maxFrame) throw new FrameTooLargeError(lineLength, this.maxFrame, 'line');
      if (this.buf.length === 0) {
        out.push(chunk.subarray(pos, at));
      } else {
        this.buf.append(chunk.subarray(pos, at));
        out.push(this.buf.take(this.buf.length));
      }
      pos = at + d.length;
    }
    const rest = chunk.length - pos;
    // The last d-1 bytes may yet start a delimiter; everything before them is certainly body.
    const atLeast = this.buf.length + rest - (d.length - 1);
    if (atLeast > this.maxFrame) throw new FrameTooLargeError(atLeast, this.maxFrame, 'line');
    if (rest > 0) this.buf.append(chunk.subarray(pos));
  }

  /**
   * A delimiter whose first k bytes end the held bytes and whose rest starts `chunk`. Ends that line and
   * returns where scanning of `chunk` continues (0 when there is no such delimiter).
   */
  private delimiterAcrossBoundary(chunk: Buffer, out: Buffer[]): number {
    const d = this.delimiter;
    const held = Math.min(d.length - 1, this.buf.length);
    const tail = this.buf.tail(held);
    // Larger k means an earlier delimiter start, and the earliest one wins.
    for (let k = held; k >= 1; k--) {
      const fromChunk = d.length - k;
      if (fromChunk > chunk.length) continue;
      if (tail.compare(d, 0, k, held - k, held) !== 0) continue;
      if (chunk.compare(d, k, d.length, 0, fromChunk) !== 0) continue;
      const lineLength = this.buf.length - k;
      if (lineLength > this.maxFrame) throw new FrameTooLargeError(lineLength, this.maxFrame, 'line');
      out.push(this.buf.take(lineLength));
      this.buf.clear();
      return fromChunk;
    }
    return 0;
  }

  protected reset(): void {
    this.buf.clear();
  }

  protected position(): string {
    return 'in a line without its delimiter';
  }
}

/** Delimiter framing with these options, resolved once. */
export function lineFraming(opts: LineOptions = {}): Framing<Uint8Array | string, Buffer> {
  const format = formatOf(opts);
  return {
    name: 'line',
    encode: (body) => encode(format, body),
    decoder: () => new LineDecoder(opts),
  };
}
