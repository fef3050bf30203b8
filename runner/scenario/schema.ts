// The scenario document's top-level schema; the proxy section's is in proxy/config.ts.
import { Type, type Static } from '@sinclair/typebox';
import { expectSchema, pairSchema } from './pair-schema.ts';

export const DEFAULT_SEED = 42;

export const scenarioTopSchema = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, description: 'Defaults to the file name.' })),
    description: Type.Optional(Type.String({ description: 'What happens on the wire, for a reader.' })),
    extends: Type.Optional(Type.String({ minLength: 1, description: 'Base file, relative to this one.' })),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 32 - 1, description: 'PRNG seed.' })),
    protocol: Type.Optional(Type.Union([Type.Literal('tcp'), Type.Literal('udp')], { default: 'tcp' })),
    proxy: Type.Optional(Type.Unknown({ description: 'The fault proxy: listen, target, chains.' })),
    pair: Type.Optional(Type.Unknown({ description: 'The client/server pair to run behind the proxy.' })),
    expect: Type.Optional(Type.Unknown({ description: 'What counts as surviving.' })),
  },
  { additionalProperties: false },
);

/** Published (JSON Schema) form of the sections validated in their own step. */
export const sectionSchemas = { pair: pairSchema, expect: expectSchema };

export type ScenarioTop = Static<typeof scenarioTopSchema>;
