#!/usr/bin/env node
// Entry point: runs the CLI from its bundle (bin/build.js), rebuilding it first if a source is newer.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleIsFresh, bundlePaths } from './bundle-paths.js';

const { bundle } = bundlePaths();

if (!bundleIsFresh()) {
  // In a child, so this process never loads esbuild: `wirefault proxy` stays as small as it can.
  const built = spawnSync(process.execPath, [path.join(import.meta.dirname, 'build.js')], { stdio: ['ignore', 'ignore', 'inherit'] });
  // Never run an older bundle instead: the error above says which source does not build.
  if (built.status !== 0) process.exit(1);
}
// A reader that stops early (`wirefault list | head`) closes the pipe: stop quietly, as Unix tools do.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit();
  throw err;
});
const { main } = await import(pathToFileURL(bundle).href);
process.exitCode = await main(process.argv.slice(2));
