// `wirefault check [PATH...]`: validate scenarios and run nothing.
import path from 'node:path';
import { WirefaultError } from '../../proxy/index.ts';
import { parseFlags } from '../cli-args.ts';
import { BadFlagError } from '../errors.ts';
import { discoverScenarios } from '../scenario/discover.ts';
import { loadScenario } from '../scenario/load.ts';

export const checkHelp = `Usage: wirefault check [PATH...]

Validates every scenario under PATH (files or folders; default scenarios/) and runs nothing.
Exit code 0 when all are valid, 2 when any is not (each problem is printed).
`;

export async function checkCommand(args: string[], out: NodeJS.WritableStream): Promise<number> {
  const { values, positionals } = parseFlags('check', args, { help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    out.write(checkHelp);
    return 0;
  }
  const files = discoverScenarios(positionals.length > 0 ? positionals : ['scenarios']);
  if (files.length === 0) throw new BadFlagError('wirefault check: no scenario files found');
  const problems: WirefaultError[] = [];
  for (const file of files) {
    try {
      loadScenario(file);
      out.write(`ok   ${path.relative(process.cwd(), file)}\n`);
    } catch (err) {
      if (!(err instanceof WirefaultError)) throw err;
      problems.push(err);
    }
  }
  if (problems.length === 0) return 0;
  if (problems.length === 1) throw problems[0];
  throw new AggregateScenarioError(problems);
}

/** Several invalid scenarios at once: one message listing them all. */
class AggregateScenarioError extends WirefaultError {
  constructor(errors: WirefaultError[]) {
    super(errors[0]!.code, errors.map((e) => e.message).join('\n'));
  }
}
