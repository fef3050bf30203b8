// Find scenario files under the paths a user gives (files or folders), in a stable order.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ScenarioReadError } from '../errors.ts';

/** Folders named `base` hold files to extend, not scenarios to run. */
const BASE_DIR = 'base';

export function discoverScenarios(paths: string[]): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== BASE_DIR && !entry.name.startsWith('.')) walk(full);
      } else if (/\.ya?ml$/.test(entry.name)) {
        found.push(full);
      }
    }
  };
  for (const p of paths) {
    let stat;
    try {
      stat = statSync(p);
    } catch {
      throw new ScenarioReadError(p, 'no such file or folder');
    }
    if (stat.isDirectory()) walk(p);
    else found.push(p);
  }
  return [...new Set(found.map((f) => path.resolve(f)))];
}
