// The seeded PRNG and seed derivation: reproducible, distinct per link and position, sane stats.
import { describe, expect, it } from 'vitest';
import { Rng, faultSeed, mixSeed } from '../../proxy/rng.ts';

const draw = (rng: Rng, n: number) => Array.from({ length: n }, () => rng.nextUint32());

describe('Rng', () => {
  it('the same seed gives the same sequence; another seed another', () => {
    expect(draw(new Rng(42), 100)).toEqual(draw(new Rng(42), 100));
    expect(draw(new Rng(42), 100)).not.toEqual(draw(new Rng(43), 100));
  });

  it('seeds beyond 32 bits are not folded onto small ones', () => {
    expect(mixSeed(2 ** 32 + 5)).not.toBe(mixSeed(5));
    expect(draw(new Rng(2 ** 40 + 1), 10)).not.toEqual(draw(new Rng(1), 10));
  });

  it('next() is in [0, 1) with a mean near 1/2; int() covers its inclusive bounds', () => {
    const rng = new Rng(7);
    let sum = 0;
    const seen = new Set<number>();
    for (let i = 0; i < 20_000; i++) {
      const x = rng.next();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
      sum += x;
      seen.add(rng.int(3, 9));
    }
    expect(sum / 20_000).toBeCloseTo(0.5, 1);
    expect([...seen].sort()).toEqual([3, 4, 5, 6, 7, 8, 9]);
  });

  it('chance(p) hits about p of the time; 0 and 1 are exact and draw nothing', () => {
    const rng = new Rng(3);
    let hits = 0;
    for (let i = 0; i < 20_000; i++) if (rng.chance(0.3)) hits++;
    expect(hits / 20_000).toBeGreaterThan(0.28);
    expect(hits / 20_000).toBeLessThan(0.32);
    const a = new Rng(5);
    const b = new Rng(5);
    expect(a.chance(0)).toBe(false);
    expect(a.chance(1)).toBe(true);
    expect(a.nextUint32()).toBe(b.nextUint32()); // the certain outcomes consumed no draw
  });

  it('geometric(p) has mean (1-p)/p; p = 0 is never, p = 1 is at once', () => {
    for (const p of [0.5, 0.1, 0.01]) {
      const rng = new Rng(11);
      const n = 20_000;
      let sum = 0;
      for (let i = 0; i < n; i++) sum += rng.geometric(p);
      const mean = (1 - p) / p;
      // The sd of the sample mean is sqrt(1-p)/p/sqrt(n): within 5% is several sd for these n.
      expect(Math.abs(sum / n - mean) / mean).toBeLessThan(0.05);
    }
    expect(new Rng(1).geometric(0)).toBe(Infinity);
    expect(new Rng(1).geometric(1)).toBe(0);
  });
});

describe('faultSeed', () => {
  it('differs per direction, connection and chain position, and is stable', () => {
    const seeds = new Set<number>();
    for (const dir of ['upstream', 'downstream'] as const) {
      for (let conn = 0; conn < 10; conn++) {
        for (let pos = 0; pos < 5; pos++) seeds.add(faultSeed(42, conn, dir, pos));
      }
    }
    expect(seeds.size).toBe(100);
    expect(faultSeed(42, 3, 'upstream', 1)).toBe(faultSeed(42, 3, 'upstream', 1));
    expect(faultSeed(42, 3, 'upstream', 1)).not.toBe(faultSeed(43, 3, 'upstream', 1));
  });

  it('generators seeded from neighbouring links do not start alike', () => {
    const a = draw(new Rng(faultSeed(1, 0, 'upstream', 0)), 8);
    const b = draw(new Rng(faultSeed(1, 1, 'upstream', 0)), 8);
    const c = draw(new Rng(faultSeed(1, 0, 'downstream', 0)), 8);
    expect(a).not.toEqual(b);
    expect(a).not.toEqual(c);
    expect(a.filter((x, i) => x === b[i] || x === c[i])).toEqual([]);
  });
});
