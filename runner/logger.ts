// The CLI's logger: pino to stderr, JSON when piped, pretty on a terminal.
import { createRequire } from 'node:module';
import pino, { type Logger, type LevelWithSilent } from 'pino';
import type PinoPretty from 'pino-pretty';

export const LOG_LEVELS: readonly LevelWithSilent[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

const requireHere = createRequire(import.meta.url);

export function createLogger(level: LevelWithSilent): Logger {
  if (process.stderr.isTTY) {
    // A stream in this thread, not pino.transport(): a transport runs in a worker thread, a second
    // V8 isolate costing every proxy on a terminal ~10 MiB. Loaded only here, since few runs need it.
    const pretty = requireHere('pino-pretty') as typeof PinoPretty;
    return pino({ level }, pretty({ destination: 2, colorize: true, sync: true }));
  }
  return pino({ level }, pino.destination({ fd: 2, sync: true }));
}
