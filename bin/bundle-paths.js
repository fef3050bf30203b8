// Where the CLI bundle lives, and whether it is older than the sources it was built from.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.join(import.meta.dirname, '..');
export const BUNDLE = path.join(ROOT, 'dist/wirefault.mjs');
/** The files the bundle was built from (paths relative to ROOT), written by bin/build.js. */
export const INPUTS = path.join(ROOT, 'dist/wirefault.inputs.json');

/** True when the bundle exists and no file it was built from has changed since (~150 stats, ~1 ms). */
export function bundleIsFresh() {
  let built;
  let inputs;
  try {
    built = statSync(BUNDLE).mtimeMs;
    inputs = JSON.parse(readFileSync(INPUTS, 'utf8'));
  } catch {
    return false;
  }
  for (const input of inputs) {
    const stat = statSync(path.join(ROOT, input), { throwIfNoEntry: false });
    if (!stat || stat.mtimeMs > built) return false;
  }
  return true;
}
