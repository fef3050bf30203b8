// Seeded PRNG (sfc32) and seed derivation, so every fault decision is reproducible from the scenario seed.

/** Mix a list of integers into one 32-bit seed word (murmur3-style finaliser per word). */
export function mixSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    // Split values beyond 32 bits so large seeds still differ.
    const lo = part >>> 0;
    const hi = Math.floor(part / 0x1_0000_0000) >>> 0;
    for (const word of [lo, hi]) {
      let k = Math.imul(word, 0xcc9e2d51);
      k = (k << 15) | (k >>> 17);
      k = Math.imul(k, 0x1b873593);
      h ^= k;
      h = (h << 13) | (h >>> 19);
      h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    }
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Small fast generator with 128 bits of state; good statistical quality for simulation. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.a = mixSeed(seed, 1);
    this.b = mixSeed(seed, 2);
    this.c = mixSeed(seed, 3);
    this.d = 1;
    // Discard the first outputs: sfc32's state needs a few rounds to decorrelate from the seed.
    for (let i = 0; i < 15; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 0x1_0000_0000;
  }

  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return p >= 1 ? true : p <= 0 ? false : this.next() < p;
  }

  /**
   * Number of failures before the first success of a Bernoulli(p) trial: the gap to the next
   * event when each position is hit with probability p. Infinity when p is 0.
   */
  geometric(p: number): number {
    if (p <= 0) return Infinity;
    if (p >= 1) return 0;
    // 1 - next() is in (0, 1], so the log is finite.
    return Math.floor(Math.log(1 - this.next()) / Math.log(1 - p));
  }
}

/** Which way bytes travel through a link. */
export type Direction = 'upstream' | 'downstream';

/**
 * The seed of one fault in one link: scenario seed + connection/session index + direction +
 * position in the chain, so adding a fault never changes another fault's draws.
 */
export function faultSeed(seed: number, index: number, dir: Direction, position: number): number {
  return mixSeed(seed, index, dir === 'upstream' ? 1 : 2, position);
}
