// The `probability` option at run time: which faults of a chain apply to one connection or session and direction.
import type { ResolvedFault } from './config.ts';
import { Rng, mixSeed, type Direction } from './rng.ts';

/**
 * Decide once per connection (TCP) or session (UDP) and direction which faults apply. Drawn
 * from its own seed, so whether a fault applies never shifts any fault's own decisions.
 */
export function applicable(faults: readonly ResolvedFault[], seed: number, index: number, dir: Direction): ResolvedFault[] {
  return applicableAt(faults, seed, index, dir).faults;
}

/**
 * The same decision, with each applying fault's place in the configured chain. A fault's
 * generator is seeded by that place, so seeding by it (not by the place among the faults that
 * apply) keeps a skipped fault from shifting the draws of the faults after it.
 */
export function applicableAt(
  chain: readonly ResolvedFault[],
  seed: number,
  index: number,
  dir: Direction,
): { faults: ResolvedFault[]; positions: number[] } {
  const all = chain.map((_, i) => i);
  if (chain.every((f) => (f.options.probability ?? 1) >= 1)) return { faults: [...chain], positions: all };
  const rng = new Rng(mixSeed(seed, index, dir === 'upstream' ? 1 : 2, 0x70b));
  const positions = all.filter((i) => rng.chance(chain[i]!.options.probability ?? 1));
  return { faults: positions.map((i) => chain[i]!), positions };
}
