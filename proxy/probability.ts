// The `probability` option at run time: which faults of a chain apply to one connection or session and direction.
import type { ResolvedFault } from './config.ts';
import { Rng, mixSeed, type Direction } from './rng.ts';

/**
 * Decide once per connection (TCP) or session (UDP) and direction which faults apply, drawn from
 * its own seed, and return each applying fault's place in the configured chain. A fault's
 * generator is seeded by that place (not by its place among the faults that apply), so a skipped
 * fault never shifts the draws of the faults after it.
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
