// Reads a socket as frames through a decoder, counting how the raw reads cut the frames.
import type { Socket } from 'node:net';
import { Waiter } from './waiter.ts';
import type { PairMetrics } from './metrics.ts';

/** What FrameReader needs of a framing/ decoder. */
export interface StreamDecoder<T> {
  push(chunk: Uint8Array, onFrame: (frame: T) => void): void;
  end(): void;
  /** True while part of a frame has been received: tells a read that splits a frame. */
  readonly midFrame: boolean;
}

export class FrameReader<T = Buffer> {
  private readonly frames: T[] = [];
  private ended = false;
  private error: Error | undefined;
  private readonly waiter = new Waiter();
  bytes = 0;

  /**
   * `readSize` is the program's recv() size: what the kernel hands over in one read is fed to
   * the decoder in pieces no larger, as a `while: recv(n)` loop would see it.
   */
  constructor(socket: Socket, decoder: StreamDecoder<T>, metrics?: PairMetrics, readSize = Infinity) {
    socket.on('data', (c: Buffer) => {
      if (this.error) return;
      this.bytes += c.length;
      try {
        for (let pos = 0; pos < c.length; pos += readSize) {
          const piece = c.subarray(pos, pos + readSize);
          const startedInside = decoder.midFrame;
          let completed = 0;
          decoder.push(piece, (f) => {
            completed++;
            this.frames.push(f);
          });
          // The decoder knows where frames really end, whatever the peer's header encoding.
          if (metrics) {
            if (completed >= 2 || (completed >= 1 && decoder.midFrame)) metrics.sticky_reads++;
            else if (completed === 0 || startedInside) metrics.partial_reads++;
          }
        }
      } catch (e) {
        this.error = e as Error;
        socket.destroy();
      }
      this.notify();
    });
    const finish = (): void => {
      if (!this.ended && !this.error) {
        try {
          decoder.end();
        } catch (e) {
          this.error = e as Error;
        }
      }
      this.ended = true;
      this.notify();
    };
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', (e) => {
      this.error ??= e;
      this.notify();
    });
  }

  private notify(): void {
    this.waiter.notify();
  }

  /** The next frame; null at end of stream; rejects on a decode error or after `timeoutMs`. */
  async next(timeoutMs = 0): Promise<T | null> {
    while (this.frames.length === 0) {
      if (this.error) throw this.error;
      if (this.ended) return null;
      await this.waiter.wait(timeoutMs);
    }
    return this.frames.shift()!;
  }
}
