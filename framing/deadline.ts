// The per-frame deadline: a frame must complete within N ms of its first byte, or the reader gives up.
import { FrameDeadlineError } from './errors.ts';
import type { FrameDecoder } from './decoder.ts';
import { intOption } from './options.ts';

/**
 * Watches one decoder. Without it, a peer that sends one byte a minute holds a connection (and its buffer)
 * forever, since every byte is progress to the decoder. The owner must call `clear()` when it stops reading.
 */
export class FrameDeadline {
  readonly ms: number;
  private readonly onExpire: (err: FrameDeadlineError) => void;
  private timer: NodeJS.Timeout | undefined;

  constructor(ms: number, onExpire: (err: FrameDeadlineError) => void) {
    this.ms = intOption('frameDeadlineMs', ms, ms, 1, 2 ** 31 - 1);
    this.onExpire = onExpire;
  }

  /** Feed `chunk` to `decoder`, passing frames on, and start, keep or stop the clock accordingly. */
  push<T>(decoder: FrameDecoder<T>, chunk: Uint8Array, onFrame: (frame: T) => void): void {
    const wasMidFrame = decoder.midFrame;
    let completed = 0;
    decoder.push(chunk, (frame) => {
      completed++;
      onFrame(frame);
    });
    if (!decoder.midFrame) this.clear();
    // A new frame began in this chunk if the previous one was finished (or none was in progress).
    else if (!wasMidFrame || completed > 0) this.restart();
  }

  clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private restart(): void {
    this.clear();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.onExpire(new FrameDeadlineError(this.ms));
    }, this.ms);
  }
}
