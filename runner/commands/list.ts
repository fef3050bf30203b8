// `wirefault list [PATH...]`: list scenarios with their descriptions.
import path from 'node:path';
import { parseFlags } from '../cli-args.ts';
import { discoverScenarios } from '../scenario/discover.ts';
import { loadScenario } from '../scenario/load.ts';

export const listHelp = `Usage: wirefault list [PATH...]

Lists the scenarios under PATH (default scenarios/): name, protocol, expected outcome, description.
`;

export async function listCommand(args: string[], out: NodeJS.WritableStream): Promise<number> {
  const { values, positionals } = parseFlags('list', args, { help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    out.write(listHelp);
    return 0;
  }
  for (const file of discoverScenarios(positionals.length > 0 ? positionals : ['scenarios'])) {
    const s = loadScenario(file);
    out.write(`${s.name}  [${s.protocol}, expect ${s.expect.outcome}]  ${path.relative(process.cwd(), s.file)}\n`);
    if (s.description) out.write(`    ${s.description.trim().replace(/\s+/g, ' ')}\n`);
  }
  return 0;
}
