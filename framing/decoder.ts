// The incremental decoder contract shared by every stream framing, and the fail-once behaviour they share.
import { FrameTruncatedError } from './errors.ts';

/**
 * Turns a byte stream, fed in chunks of any size, back into frames. Frames may be views into the chunks
 * pushed (no copy when a frame sits inside one chunk), so do not modify a chunk after pushing it.
 */
export interface FrameDecoder<T> {
  /** Feed the next chunk; returns the frames it completed, in order. Throws a coded error on bad input. */
  push(chunk: Uint8Array): T[];
  /**
   * Feed the next chunk; `onFrame` receives each frame it completes, in order. On bad input the frames that
   * came before the bad bytes in this chunk are still delivered, then the coded error is thrown.
   */
  push(chunk: Uint8Array, onFrame: (frame: T) => void): void;
  /** The stream ended: throws ERR_FRAME_TRUNCATED when it ended inside a frame. */
  end(): void;
  /** True while part of a frame (even just part of its header) has been received. */
  readonly midFrame: boolean;
  /** Bytes held for the frame in progress. */
  readonly buffered: number;
}

/** A framing's two halves: how one message becomes bytes, and a fresh decoder for one stream. */
export interface Framing<In, Out> {
  readonly name: string;
  encode(message: In): Buffer;
  decoder(): FrameDecoder<Out>;
}

export function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/**
 * After a framing error the stream's boundaries are lost for good (there is no way to find the next frame),
 * so a decoder fails once, drops what it holds, and repeats that error on every later call.
 */
export abstract class BaseDecoder<T> implements FrameDecoder<T> {
  private failure: Error | undefined;

  abstract get midFrame(): boolean;
  abstract get buffered(): number;
  protected abstract decode(chunk: Buffer, out: T[]): void;
  protected abstract reset(): void;
  /** Where in a frame the stream stopped, for the truncation message. */
  protected abstract position(): string;

  push(chunk: Uint8Array): T[];
  push(chunk: Uint8Array, onFrame: (frame: T) => void): void;
  push(chunk: Uint8Array, onFrame?: (frame: T) => void): T[] | void {
    if (this.failure) throw this.failure;
    const out: T[] = [];
    try {
      this.decode(asBuffer(chunk), out);
    } catch (err) {
      this.failure = err as Error;
      this.reset();
    }
    if (onFrame === undefined) {
      if (this.failure) throw this.failure;
      return out;
    }
    // Frames are handed over only after the chunk is fully consumed, so a throwing callback cannot leave
    // the decoder half-way through a chunk.
    for (const frame of out) onFrame(frame);
    if (this.failure) throw this.failure;
  }

  end(): void {
    if (this.failure) throw this.failure;
    if (this.midFrame) {
      const err = new FrameTruncatedError(this.buffered, this.position());
      this.failure = err;
      this.reset();
      throw err;
    }
  }
}
