#!/usr/bin/env node
// Entry point: runs the CLI from its bundle (bin/build.js), rebuilding it first if a source is newer.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUNDLE, bundleIsFresh } from './bundle-paths.js';

if (!bundleIsFresh()) {
  // In a child, so this process never loads esbuild: `wirefault proxy` stays as small as it can.
  const built = spawnSync(process.execPath, [path.join(import.meta.dirname, 'build.js')], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (built.status !== 0 && !existsSync(BUNDLE)) {
    process.stderr.write('wirefault: no CLI bundle to run (see the error above); run `npm ci` in the wirefault folder\n');
    process.exit(1);
  }
}
const { main } = await import(pathToFileURL(BUNDLE).href);
process.exitCode = await main(process.argv.slice(2));
