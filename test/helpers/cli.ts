// Run the wirefault CLI as a child process and read its one-line ready message.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';

export const BIN = path.join(import.meta.dirname, '../../bin/wirefault.js');

export interface CliChild {
  child: ChildProcess;
  stderr: () => string;
  exit: Promise<number | null>;
}

export function spawnCli(args: string[]): CliChild {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  return { child, stderr: () => err, exit };
}

/** The first stdout line, parsed as JSON (the ready line). Rejects if the process exits first. */
export async function readyLine(c: CliChild): Promise<Record<string, string>> {
  const lines = createInterface({ input: c.child.stdout! });
  const line = await Promise.race([
    once(lines, 'line').then(([l]) => l as string),
    c.exit.then((code) => Promise.reject(new Error(`exited with ${code} before ready: ${c.stderr()}`))),
  ]);
  return JSON.parse(line) as Record<string, string>;
}
