// Every reporter by name, and the choice of reporters for a run (--reporter, GITHUB_ACTIONS).
import { BadFlagError } from '../errors.ts';
import type { Reporter } from './contract.ts';
import { github } from './github.ts';
import { html } from './html.ts';
import { json } from './json.ts';
import { junit } from './junit.ts';

export const REPORTERS = { json, junit, html, github } as const satisfies Record<string, Reporter>;

export type ReporterName = keyof typeof REPORTERS;

export const DEFAULT_REPORTERS: readonly ReporterName[] = ['json', 'junit', 'html'];

const isName = (name: string): name is ReporterName => Object.hasOwn(REPORTERS, name);

/**
 * The reporters a run writes: the --reporter values (repeatable, or comma-separated) or the
 * defaults; `github` joins by itself on GitHub Actions, where its annotations show on the PR.
 */
export function chooseReporters(values: readonly string[] | undefined, env: NodeJS.ProcessEnv = process.env): ReporterName[] {
  const chosen: ReporterName[] = [];
  const given = (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim());
  for (const name of given.length > 0 ? given : DEFAULT_REPORTERS) {
    if (!isName(name)) {
      throw new BadFlagError(`--reporter: expected one of ${Object.keys(REPORTERS).join(', ')}, found ${JSON.stringify(name)}`);
    }
    if (!chosen.includes(name)) chosen.push(name);
  }
  if (env.GITHUB_ACTIONS === 'true' && !chosen.includes('github')) chosen.push('github');
  return chosen;
}
