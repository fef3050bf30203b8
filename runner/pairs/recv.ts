// A blocking-style reader over a socket, to behave like the tutorials' `recv(n)` loop.
import type { Socket } from 'node:net';

import { Waiter } from './waiter.ts';

/**
 * Buffers what the socket delivers; `recv(n)` resolves with up to n bytes as soon as any are
 * there (like recv(2)), or null at end of stream. Reads are never longer than asked for.
 */
export class Receiver {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private ended = false;
  private error: Error | undefined;
  private readonly waiter = new Waiter();
  /** Every byte delivered so far. */
  total = 0;

  constructor(private readonly socket: Socket) {
    socket.on('data', (c: Buffer) => {
      this.chunks.push(c);
      this.buffered += c.length;
      this.total += c.length;
      this.notify();
    });
    socket.on('end', () => {
      this.ended = true;
      this.notify();
    });
    socket.on('error', (e) => {
      this.error = e;
      this.notify();
    });
    socket.on('close', () => {
      this.ended = true;
      this.notify();
    });
  }

  private notify(): void {
    this.waiter.notify();
  }

  get available(): number {
    return this.buffered;
  }

  /**
   * Up to `max` bytes; null at end of stream; rejects on error, or after `timeoutMs` of
   * silence (0 waits for ever, as a server does).
   */
  async recv(max: number, timeoutMs = 0): Promise<Buffer | null> {
    while (this.buffered === 0) {
      if (this.error) throw this.error;
      if (this.ended) return null;
      await this.waiter.wait(timeoutMs);
    }
    return this.take(max);
  }

  /** Exactly `n` bytes (looping like `while len(data) < n: recv`); null if the stream ends first. */
  async recvExactly(n: number, timeoutMs = 0): Promise<Buffer | null> {
    const parts: Buffer[] = [];
    let got = 0;
    while (got < n) {
      const part = await this.recv(n - got, timeoutMs);
      if (part === null) return null;
      parts.push(part);
      got += part.length;
    }
    return Buffer.concat(parts, got);
  }

  private take(max: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length <= max && this.chunks.length === 1) {
      this.chunks = [];
      this.buffered = 0;
      return first;
    }
    const want = Math.min(max, this.buffered);
    const out = Buffer.allocUnsafe(want);
    let filled = 0;
    while (filled < want) {
      const c = this.chunks[0]!;
      const n = Math.min(c.length, want - filled);
      c.copy(out, filled, 0, n);
      filled += n;
      if (n === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(n);
    }
    this.buffered -= want;
    return out;
  }
}
