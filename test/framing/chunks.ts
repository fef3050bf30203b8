// Test helpers for stream framings: cut a byte string at given points, and feed a decoder chunk by chunk.
import type { FrameDecoder } from '../../framing/index.ts';

/** Split `bytes` at the given offsets (any order, duplicates and out-of-range values are fine). */
export function cutAt(bytes: Buffer, points: number[]): Buffer[] {
  const cuts = [...new Set(points.map((p) => Math.max(0, Math.min(bytes.length, p))))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const at of [...cuts, bytes.length]) {
    if (at > from) out.push(bytes.subarray(from, at));
    from = at;
  }
  return out;
}

/** Every frame a decoder yields for these chunks, then `end()`. */
export function decodeAll<T>(decoder: FrameDecoder<T>, chunks: Iterable<Uint8Array>): T[] {
  const frames: T[] = [];
  for (const chunk of chunks) decoder.push(chunk, (f) => frames.push(f));
  decoder.end();
  return frames;
}

/** `bytes` one byte per chunk. */
export function bytewise(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i++) out.push(bytes.subarray(i, i + 1));
  return out;
}
