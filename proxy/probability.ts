// The `probability` option at run time: which faults of a chain apply to one connection or session and direction.
import type { ResolvedFault } from './config.ts';
import { Rng, mixSeed, type Direction } from './rng.ts';

/**
 * Decide once per connection (TCP) or session (UDP) and direction which faults apply. Drawn
 * from its own seed, so whether a fault applies never shifts any fault's own decisions.
 */
export function applicable(faults: readonly ResolvedFault[], seed: number, index: number, dir: Direction): ResolvedFault[] {
  if (faults.every((f) => (f.options.probability ?? 1) >= 1)) return [...faults];
  const rng = new Rng(mixSeed(seed, index, dir === 'upstream' ? 1 : 2, 0x70b));
  return faults.filter((f) => rng.chance(f.options.probability ?? 1));
}
