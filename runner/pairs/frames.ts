// Reads a socket as frames through a codec, counting how the raw reads cut the frames.
import type { Socket } from 'node:net';
import type { MessageCodec } from './codecs.ts';
import { Waiter } from './waiter.ts';
import type { ReadClassifier } from './metrics.ts';

export class FrameReader {
  private readonly frames: Buffer[] = [];
  private ended = false;
  private error: Error | undefined;
  private readonly waiter = new Waiter();
  bytes = 0;

  /**
   * `readSize` is the program's recv() size: what the kernel hands over in one read is fed to
   * the decoder in pieces no larger, as a `while: recv(n)` loop would see it.
   */
  constructor(socket: Socket, codec: MessageCodec, classifier?: ReadClassifier, readSize = Infinity) {
    const decoder = codec.decoder();
    socket.on('data', (c: Buffer) => {
      if (this.error) return;
      this.bytes += c.length;
      try {
        for (let pos = 0; pos < c.length; pos += readSize) {
          const piece = c.subarray(pos, pos + readSize);
          classifier?.read(piece.length);
          decoder.push(piece, (f) => this.frames.push(f));
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
  async next(timeoutMs = 0): Promise<Buffer | null> {
    while (this.frames.length === 0) {
      if (this.error) throw this.error;
      if (this.ended) return null;
      await this.waiter.wait(timeoutMs);
    }
    return this.frames.shift()!;
  }
}
