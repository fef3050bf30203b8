// `wirefault schema`: print the JSON Schema of the scenario format, for editors' YAML completion.
import { Type } from '@sinclair/typebox';
import { proxySectionSchema } from '../../proxy/index.ts';
import { parseFlags } from '../cli-args.ts';
import { scenarioTopSchema, sectionSchemas } from '../scenario/schema.ts';

export const schemaHelp = `Usage: wirefault schema

Prints the JSON Schema of scenario files. Point your editor's YAML language server at it, e.g.
  # yaml-language-server: $schema=./scenario.schema.json
`;

/** The published schema: top-level keys, with the proxy section chosen by protocol. */
export function scenarioJsonSchema(): Record<string, unknown> {
  const { proxy: _proxy, pair: _pair, expect: _expect, ...top } = scenarioTopSchema.properties;
  const withProxy = (protocol: 'tcp' | 'udp') =>
    Type.Object(
      {
        ...top,
        proxy: Type.Optional(proxySectionSchema(protocol)),
        pair: Type.Optional(sectionSchemas.pair),
        expect: Type.Optional(sectionSchemas.expect),
      },
      { additionalProperties: false },
    );
  const tcp = withProxy('tcp');
  const udp = withProxy('udp');
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'wirefault scenario',
    if: { properties: { protocol: { const: 'udp' } }, required: ['protocol'] },
    then: udp,
    else: tcp,
  };
}

export async function schemaCommand(args: string[], out: NodeJS.WritableStream): Promise<number> {
  const { values } = parseFlags('schema', args, { help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    out.write(schemaHelp);
    return 0;
  }
  out.write(`${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`);
  return 0;
}
