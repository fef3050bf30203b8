// Bundles the TypeScript CLI into one ES module (dist/wirefault.mjs) that plain Node runs.
//
// Why a bundle and not a TypeScript loader at run time: a loader (tsx) keeps a second V8 isolate
// alive in a hooks thread for the whole run, plus transformed sources and their maps: +50 MiB on
// every `wirefault proxy`, which should stay lean (bench/README.md, "Bounded memory"). esbuild
// strips the types in ~0.3 s; `tsc --noEmit` is still what checks them.
//
// Run by `npm ci` (the `prepare` script) and by bin/wirefault.js whenever a source is newer than
// the bundle, so an edited source is never run stale. Packages are bundled too: loaded from
// node_modules file by file, yaml, TypeBox and pino cost 14 MiB more. pino-pretty stays outside
// (loaded only on a terminal, runner/logger.ts).
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { ROOT, bundlePaths } from './bundle-paths.js';

/** Builds the bundle; written under temporary names and renamed, so a concurrent run never sees half a file. */
export async function buildBundle() {
  const { bundle: BUNDLE, inputs: INPUTS } = bundlePaths();
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [path.join(ROOT, 'runner/cli.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['pino-pretty'],
    // The bundled CommonJS packages require Node's built-ins; an ES module has no `require`.
    banner: { js: "import { createRequire as wirefaultCreateRequire } from 'node:module'; const require = wirefaultCreateRequire(import.meta.url);" },
    sourcemap: 'linked',
    sourcesContent: false,
    metafile: true,
    write: false,
    outfile: BUNDLE,
    logLevel: 'silent',
  });
  mkdirSync(path.dirname(BUNDLE), { recursive: true });
  const tmp = `.${process.pid}.tmp`;
  for (const file of result.outputFiles) {
    writeFileSync(file.path + tmp, file.contents);
  }
  // What the freshness check stats: our sources in the bundle, and the files that change how it is
  // built or which packages it holds (the lock file changes when a package does).
  const ours = Object.keys(result.metafile.inputs).filter((input) => !input.startsWith('node_modules/'));
  const inputs = [...ours, 'package.json', 'package-lock.json', 'tsconfig.json', 'bin/build.js'];
  writeFileSync(INPUTS + tmp, JSON.stringify(inputs));
  // The bundle last: its mtime is what the inputs are compared against.
  renameSync(INPUTS + tmp, INPUTS);
  for (const file of result.outputFiles.filter((f) => f.path !== BUNDLE)) renameSync(file.path + tmp, file.path);
  renameSync(BUNDLE + tmp, BUNDLE);
}

if (process.argv[1] === import.meta.filename) {
  try {
    await buildBundle();
  } catch (err) {
    process.stderr.write(`wirefault: building ${bundlePaths().bundle} failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
