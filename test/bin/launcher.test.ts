// bin/wirefault.js runs the CLI bundle, and rebuilds it when a source is newer, so nobody runs stale code.
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleIsFresh } from '../../bin/bundle-paths.js';

const ROOT = path.join(import.meta.dirname, '../..');
const run = promisify(execFile);

/** A copy of the project's sources in a temporary folder, sharing its node_modules. */
function copyProject(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wirefault-launcher-'));
  for (const entry of ['bin', 'proxy', 'framing', 'runner', 'package.json', 'package-lock.json', 'tsconfig.json']) {
    cpSync(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
  }
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

describe('bin/wirefault.js', () => {
  let project: string;
  beforeAll(() => {
    project = copyProject();
  });
  afterAll(() => {
    rmSync(project, { recursive: true, force: true });
  });

  it('builds the bundle on first run, then rebuilds it when a source changes', async () => {
    const bin = path.join(project, 'bin/wirefault.js');
    expect(existsSync(path.join(project, 'dist/wirefault.mjs'))).toBe(false);
    const first = await run(process.execPath, [bin, '--help']);
    expect(first.stdout).toMatch(/^Usage: wirefault <command>/);
    expect(bundleIsFresh(project)).toBe(true);

    // An edit to a source made after the bundle was built is what the next run executes. (The
    // bundle is dated back a minute so the edit is newer even on a coarse-grained clock.)
    const bundle = path.join(project, 'dist/wirefault.mjs');
    const earlier = new Date(Date.now() - 60_000);
    utimesSync(bundle, earlier, earlier);
    const cli = path.join(project, 'runner/cli.ts');
    writeFileSync(cli, readFileSync(cli, 'utf8').replace('Usage: wirefault <command>', 'Usage (edited): wirefault <command>'));
    expect(bundleIsFresh(project)).toBe(false);
    const second = await run(process.execPath, [bin, '--help']);
    expect(second.stdout).toMatch(/^Usage \(edited\): wirefault <command>/);
    expect(bundleIsFresh(project)).toBe(true);
  });

  it('exits 1 naming the source when it does not build, rather than run the older bundle', async () => {
    const bin = path.join(project, 'bin/wirefault.js');
    await run(process.execPath, [bin, '--help']); // a bundle exists
    const cli = path.join(project, 'runner/cli.ts');
    const good = readFileSync(cli, 'utf8');
    writeFileSync(cli, `${good}\nexport const broken = ;\n`);
    const failed = await run(process.execPath, [bin, '--help']).then(
      () => ({ code: 0, stdout: 'ran', stderr: '' }),
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
    writeFileSync(cli, good);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toBe('');
    expect(failed.stderr).toMatch(/building .*wirefault\.mjs failed/);
    expect(failed.stderr).toContain('runner/cli.ts');
  });
});

describe('a reader that stops early', () => {
  it('ends `wirefault list` quietly with exit 0, as `wirefault list | head` needs', async () => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/wirefault.js'), 'list', path.join(ROOT, 'scenarios')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = once(child, 'exit');
    // Close our end after the first chunk, as `head -1` does.
    await once(child.stdout, 'data');
    child.stdout.destroy();
    const [code] = await exited;
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  });
});

describe('bundleIsFresh', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'wirefault-fresh-'));
    mkdirSync(path.join(root, 'dist'));
    mkdirSync(path.join(root, 'src'));
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  function layout(inputs: string[], sourceAge: number, bundleAge: number): void {
    writeFileSync(path.join(root, 'src/a.ts'), 'export {};\n');
    writeFileSync(path.join(root, 'dist/wirefault.inputs.json'), JSON.stringify(inputs));
    writeFileSync(path.join(root, 'dist/wirefault.mjs'), '');
    const now = Date.now() / 1000;
    utimesSync(path.join(root, 'src/a.ts'), now - sourceAge, now - sourceAge);
    utimesSync(path.join(root, 'dist/wirefault.mjs'), now - bundleAge, now - bundleAge);
  }

  it('is fresh when every input is older than the bundle', () => {
    layout(['src/a.ts'], 60, 10);
    expect(bundleIsFresh(root)).toBe(true);
  });

  it('is stale when an input is newer than the bundle', () => {
    layout(['src/a.ts'], 10, 60);
    expect(bundleIsFresh(root)).toBe(false);
  });

  it('is stale when an input is gone, or the list of inputs is', () => {
    layout(['src/a.ts', 'src/gone.ts'], 60, 10);
    expect(bundleIsFresh(root)).toBe(false);
    rmSync(path.join(root, 'dist/wirefault.inputs.json'));
    expect(bundleIsFresh(root)).toBe(false);
  });
});
