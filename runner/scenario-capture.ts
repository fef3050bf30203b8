// A scenario's packet capture file (--pcap): opened before its proxy starts, closed after the proxy stops.
import { createWriteStream, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { Capture } from '../proxy/capture.ts';

export interface ScenarioCapture {
  capture: Capture;
  /** Finish the capture and flush it; resolves to the file (relative to the report folder), or undefined if writing failed. */
  close(): Promise<string | undefined>;
}

/** A file name from a scenario name: safe on every OS, and never the same as another of this run. */
function claim(dir: string, name: string): { fd: number; file: string } {
  const base = name.replace(/[^\w.-]+/g, '_').replace(/^\.+/, '_').slice(0, 120) || 'scenario';
  for (let n = 1; ; n++) {
    const file = `${base}${n === 1 ? '' : `-${n}`}.pcapng`;
    try {
      return { fd: openSync(path.join(dir, file), 'wx'), file };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

export function openScenarioCapture(outDir: string, scenario: { name: string; rerun: string; seed: number }, log: Logger): ScenarioCapture {
  const dir = path.join(outDir, 'captures');
  mkdirSync(dir, { recursive: true });
  const { fd, file } = claim(dir, scenario.name);
  const stream = createWriteStream('', { fd });
  let failed: Error | undefined;
  stream.on('error', (err) => {
    failed ??= err;
    log.warn({ err: err.message, file }, 'packet capture could not be written');
  });
  const capture = new Capture({
    write: (block) => {
      if (!failed) stream.write(block);
    },
    comment: `wirefault scenario ${scenario.name}, seed ${scenario.seed}; rerun: ${scenario.rerun}`,
  });
  return {
    capture,
    async close() {
      capture.close();
      await new Promise<void>((resolve) => stream.end(() => resolve()));
      return failed ? undefined : path.posix.join('captures', file);
    },
  };
}
