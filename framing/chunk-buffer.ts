// A queue of received chunks that copies bytes once, when a whole frame is taken, never per chunk.

/**
 * Holds chunks as they arrive (by reference) and a running total. Taking n bytes returns a view when they
 * sit in one chunk and otherwise allocates exactly n bytes and copies into it once: a frame that arrives
 * in k chunks costs O(n) in total, where concatenating on every chunk would cost O(n·k).
 */
export class ChunkBuffer {
  private chunks: Buffer[] = [];
  /** Index of the first live chunk; consumed chunks before it are dropped in batches. */
  private head = 0;
  /** Bytes already consumed from `chunks[head]`. */
  private offset = 0;
  private total = 0;

  get length(): number {
    return this.total;
  }

  append(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.total += chunk.length;
  }

  /** Copy the first `n` bytes into `target` without consuming them (headers of up to a few bytes). */
  peek(target: Buffer, n: number): void {
    let written = 0;
    let offset = this.offset;
    for (let i = this.head; written < n; i++) {
      const chunk = this.chunks[i] as Buffer;
      const count = Math.min(n - written, chunk.length - offset);
      chunk.copy(target, written, offset, offset + count);
      written += count;
      offset = 0;
    }
  }

  /** The first chunk's unread bytes, for fast paths that parse in place. */
  front(): Buffer | undefined {
    const chunk = this.chunks[this.head];
    return chunk === undefined ? undefined : chunk.subarray(this.offset);
  }

  /** Copy the last `n` bytes (n ≤ length) into a new small buffer; used to match delimiters across chunks. */
  tail(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    let remaining = n;
    for (let i = this.chunks.length - 1; remaining > 0; i--) {
      const chunk = this.chunks[i] as Buffer;
      const start = i === this.head ? this.offset : 0;
      const count = Math.min(remaining, chunk.length - start);
      chunk.copy(out, remaining - count, chunk.length - count, chunk.length);
      remaining -= count;
    }
    return out;
  }

  /** Remove and return the first `n` bytes (n ≤ length). */
  take(n: number): Buffer {
    const first = this.chunks[this.head];
    if (first !== undefined && first.length - this.offset >= n) {
      const view = first.subarray(this.offset, this.offset + n);
      this.consume(n);
      return view;
    }
    const out = Buffer.allocUnsafe(n);
    let written = 0;
    while (written < n) {
      const chunk = this.chunks[this.head] as Buffer;
      const count = Math.min(n - written, chunk.length - this.offset);
      chunk.copy(out, written, this.offset, this.offset + count);
      written += count;
      this.consume(count);
    }
    return out;
  }

  /** Drop the first `n` bytes (n ≤ length). */
  skip(n: number): void {
    let remaining = n;
    while (remaining > 0) {
      const chunk = this.chunks[this.head] as Buffer;
      const count = Math.min(remaining, chunk.length - this.offset);
      this.consume(count);
      remaining -= count;
    }
  }

  clear(): void {
    this.chunks = [];
    this.head = 0;
    this.offset = 0;
    this.total = 0;
  }

  /** Advance within the head chunk (count ≤ its unread bytes), releasing chunks once fully read. */
  private consume(count: number): void {
    this.offset += count;
    this.total -= count;
    const chunk = this.chunks[this.head] as Buffer;
    if (this.offset < chunk.length) return;
    this.offset = 0;
    this.head++;
    if (this.head === this.chunks.length) {
      this.chunks = [];
      this.head = 0;
    } else if (this.head >= 64 && this.head * 2 >= this.chunks.length) {
      // Compact occasionally so a long-lived buffer does not keep an ever-growing array of dead slots.
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }
}
