// The `github` reporter: one `::error` workflow command per failed scenario, shown as an annotation on the PR.
import type { ScenarioResult } from '../result.ts';
import type { Reporter } from './contract.ts';

/** Workflow-command escaping: data escapes %, CR and LF; property values also `:` and `,`. */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function annotation(r: ScenarioResult): string {
  const why = r.reasons.length > 0 ? r.reasons.join('\n') : (r.outcome_reason ?? r.status);
  const message = `${why}\nrerun: ${r.rerun}`;
  const title = `wirefault: ${r.name} ${r.status === 'error' ? 'could not run' : 'expectation not met'}`;
  return `::error file=${escapeProperty(r.file)},title=${escapeProperty(title)}::${escapeData(message)}`;
}

export const github: Reporter = {
  description: 'GitHub Actions ::error annotations for failed scenarios (on by itself when GITHUB_ACTIONS=true)',
  async write({ summary, out }) {
    const failed = summary.scenarios.filter((r) => r.status !== 'met');
    if (failed.length > 0) out.write(`${failed.map(annotation).join('\n')}\n`);
    return [];
  },
};
