// A pino logger that writes nothing: the default for library use and tests.
import pino, { type Logger } from 'pino';

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
