// Adapters from Node streams and async iterables of bytes to messages, and from messages to bytes.
import { Transform, type TransformCallback } from 'node:stream';
import type { FrameDecoder } from './decoder.ts';
import { FrameDeadline } from './deadline.ts';
import type { FrameDeadlineError } from './errors.ts';

export interface DecodeOptions {
  /** A frame must complete within this many ms of its first byte, else ERR_FRAME_DEADLINE. Default: none. */
  frameDeadlineMs?: number;
}

export interface DecoderStreamOptions extends DecodeOptions {
  /** Frames held on the readable side before the stream stops pulling bytes. Default 16. */
  highWaterMark?: number;
}

/**
 * Bytes in, frames out (object mode). Backpressure is the Transform's own: while `highWaterMark` frames wait
 * unread, no further chunk is taken from the writer. Ends with ERR_FRAME_TRUNCATED when input ends mid-frame.
 */
export class FrameDecoderStream<T> extends Transform {
  private readonly decoder: FrameDecoder<T>;
  private readonly deadline: FrameDeadline | undefined;

  constructor(decoder: FrameDecoder<T>, opts: DecoderStreamOptions = {}) {
    super({ readableObjectMode: true, readableHighWaterMark: opts.highWaterMark ?? 16 });
    this.decoder = decoder;
    this.deadline =
      opts.frameDeadlineMs === undefined
        ? undefined
        : new FrameDeadline(opts.frameDeadlineMs, (err) => this.destroy(err));
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const onFrame = (frame: T) => {
      this.push(frame);
    };
    try {
      if (this.deadline) this.deadline.push(this.decoder, chunk, onFrame);
      else this.decoder.push(chunk, onFrame);
    } catch (err) {
      callback(err as Error);
      return;
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    this.deadline?.clear();
    try {
      this.decoder.end();
    } catch (err) {
      callback(err as Error);
      return;
    }
    callback();
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.deadline?.clear();
    callback(err);
  }
}

/** Messages in (object mode), encoded bytes out. A message the encoder rejects errors the stream. */
export class FrameEncoderStream<In> extends Transform {
  private readonly encode: (message: In) => Buffer;

  constructor(encode: (message: In) => Buffer, opts: { highWaterMark?: number } = {}) {
    super({ writableObjectMode: true, writableHighWaterMark: opts.highWaterMark ?? 16 });
    this.encode = encode;
  }

  override _transform(message: In, _encoding: BufferEncoding, callback: TransformCallback): void {
    let bytes: Buffer;
    try {
      bytes = this.encode(message);
    } catch (err) {
      callback(err as Error);
      return;
    }
    callback(null, bytes);
  }
}

/** What `readFrames` can stop when a deadline passes: a Node stream (a socket), or anything with `destroy`. */
interface Destroyable {
  destroy(err?: Error): unknown;
}

function isDestroyable(value: unknown): value is Destroyable {
  return typeof (value as Partial<Destroyable>).destroy === 'function';
}

/**
 * Read `source` (a socket, any Readable, any async iterable of byte chunks) as frames. Pull-based: the next
 * chunk is requested only when the consumer asks for more frames than are decoded, so a slow consumer
 * leaves the bytes in the socket. Throws ERR_FRAME_TRUNCATED when the source ends mid-frame, and on a
 * passed deadline destroys the source (when it can be destroyed) and throws ERR_FRAME_DEADLINE.
 */
export async function* readFrames<T>(
  source: AsyncIterable<Uint8Array>,
  decoder: FrameDecoder<T>,
  opts: DecodeOptions = {},
): AsyncGenerator<T, void, undefined> {
  const iterator = source[Symbol.asyncIterator]();
  let expired: FrameDeadlineError | undefined;
  let wake: ((err: FrameDeadlineError) => void) | undefined;
  const deadline =
    opts.frameDeadlineMs === undefined
      ? undefined
      : new FrameDeadline(opts.frameDeadlineMs, (err) => {
          expired = err;
          wake?.(err);
        });
  let finished = false;
  try {
    for (;;) {
      const next = iterator.next();
      const result = deadline ? await raceDeadline(next, (w) => (wake = w)) : await next;
      if (result.done) {
        finished = true;
        decoder.end();
        return;
      }
      const frames: T[] = [];
      let failure: { error: unknown } | undefined;
      try {
        if (deadline) deadline.push(decoder, result.value, (f) => frames.push(f));
        else decoder.push(result.value, (f) => frames.push(f));
      } catch (error) {
        failure = { error };
      }
      // Frames that preceded bad bytes in the same chunk are still real messages.
      yield* frames;
      if (failure) throw failure.error;
      if (expired) throw expired;
    }
  } finally {
    deadline?.clear();
    if (expired) {
      // The pending read may never settle by itself: destroying the source settles it.
      if (isDestroyable(source)) source.destroy(expired);
      void iterator.return?.().catch(() => {});
    } else if (!finished) {
      await iterator.return?.();
    }
  }
}

/** `pending`, unless the deadline fires first (it calls the function handed to `arm`). */
function raceDeadline<R>(pending: Promise<R>, arm: (wake: (err: FrameDeadlineError) => void) => void): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    arm(reject);
    pending.then(resolve, reject);
  });
}
