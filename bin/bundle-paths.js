// Where the CLI bundle lives, and whether it is older than the sources it was built from.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.join(import.meta.dirname, '..');

/** The bundle of the project at `root`, and the list of files it was built from (paths relative to root). */
export function bundlePaths(root = ROOT) {
  return { bundle: path.join(root, 'dist/wirefault.mjs'), inputs: path.join(root, 'dist/wirefault.inputs.json') };
}

/** True when the bundle exists and no file it was built from has changed since (~150 stats, ~1 ms). */
export function bundleIsFresh(root = ROOT) {
  const { bundle, inputs } = bundlePaths(root);
  let built;
  let listed;
  try {
    built = statSync(bundle).mtimeMs;
    listed = JSON.parse(readFileSync(inputs, 'utf8'));
  } catch {
    return false;
  }
  for (const input of listed) {
    const stat = statSync(path.join(root, input), { throwIfNoEntry: false });
    if (!stat || stat.mtimeMs > built) return false;
  }
  return true;
}
