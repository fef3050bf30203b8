// A tiny seeded PRNG (mulberry32) for the in-memory lossy channel, so every loss pattern replays from a seed.

/** Returns a generator of uniform numbers in [0, 1), fully determined by `seed` (any 32-bit value). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
}
