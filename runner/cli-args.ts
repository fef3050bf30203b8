// Command-line parsing on node:util parseArgs, turning its errors into coded ERR_BAD_FLAG errors.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { LevelWithSilent } from 'pino';
import { BadFlagError } from './errors.ts';
import { LOG_LEVELS } from './logger.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

export function parseFlags<O extends Options>(command: string, args: string[], options: O) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    const message = (err as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    throw new BadFlagError(`wirefault ${command}: ${message} (see wirefault ${command} --help)`);
  }
}

/** A whole number within bounds, for flags like --seed and --jobs. */
export function intFlag(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new BadFlagError(`--${name}: expected a whole number from ${min} to ${max}, found ${JSON.stringify(value)}`);
  }
  return n;
}

export function logLevelFlag(value: string | undefined): LevelWithSilent {
  if (value === undefined) return 'info';
  if (!(LOG_LEVELS as string[]).includes(value)) {
    throw new BadFlagError(`--log-level: expected one of ${LOG_LEVELS.join(', ')}, found ${JSON.stringify(value)}`);
  }
  return value as LevelWithSilent;
}
