// What every fault file exports: its option schema (TypeBox = JSON Schema + TS type) and a factory.
import { Type, type Static, type TObject, type TProperties } from '@sinclair/typebox';

/** The `probability` every fault takes: the share of connections/sessions it applies to. */
const probability = Type.Optional(
  Type.Number({
    minimum: 0,
    maximum: 1,
    default: 1,
    description: 'Share of connections (TCP) or sessions (UDP) this fault applies to, 0..1.',
  }),
);

/** Build a fault's option schema: its own keys plus `probability`; unknown keys are errors. */
export function faultOptions<P extends TProperties>(description: string, props: P) {
  return Type.Object({ ...props, probability }, { additionalProperties: false, description });
}

/** A cross-field rule broken by otherwise well-typed options (e.g. `min` above `max`). */
export interface OptionProblem {
  /** Key inside the fault's options, e.g. `min`. Empty for the options object itself. */
  key: string;
  expected: string;
  found: string;
}

export interface FaultDefinition<S extends TObject = TObject, F = unknown, C = unknown> {
  schema: S;
  /** Rules JSON Schema cannot say well (exclusive keys, ordered bounds). */
  check?(options: Static<S>): OptionProblem | undefined;
  create(options: Static<S>, context: C): F;
}

/** Identity helper that makes TypeScript infer the option type from the schema. */
export function defineFault<S extends TObject, C, F>(def: FaultDefinition<S, F, C>): FaultDefinition<S, F, C> {
  return def;
}

/** Helpers for the common "exactly one of these keys" rule. */
export function exactlyOne(options: Record<string, unknown>, keys: string[]): OptionProblem | undefined {
  const present = keys.filter((k) => options[k] !== undefined);
  if (present.length === 1) return undefined;
  return {
    key: '',
    expected: `exactly one of ${keys.join(', ')}`,
    found: present.length === 0 ? 'none of them' : present.join(' and '),
  };
}
