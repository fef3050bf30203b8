// External tools the report tests drive (xmllint, tshark, chromium): found on PATH, or the test fails in CI.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const CHROMIUM = '/usr/bin/chromium';

function onPath(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

export const have = {
  xmllint: onPath('xmllint'),
  tshark: onPath('tshark'),
  chromium: existsSync(CHROMIUM),
};

/**
 * Whether to skip a test for lack of `tool`: never in CI (CI=true), where .ci/run installs the
 * tools and a missing one must fail the test, not hide it; on a developer machine, skip.
 */
export function skipWithout(tool: keyof typeof have): boolean {
  return !have[tool] && process.env.CI !== 'true';
}

/** Run a tool; its stdout, or a thrown error with its stderr. */
export function run(cmd: string, args: string[]): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new Error(`${cmd} could not run (${r.error.message}); .ci/run installs it with apt-get`);
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}
