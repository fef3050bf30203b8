// Validation of numeric options shared by every decoder, so a bad option fails loudly at construction.
import { FramingOptionError } from './errors.ts';

/** Default cap on one frame's body: 16 MiB. */
export const DEFAULT_MAX_FRAME = 16 * 1024 * 1024;

/** `value` if it is an integer in [min, max], else `fallback` when undefined; throws otherwise. */
export function intOption(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new FramingOptionError(name, `an integer in [${min}, ${max}]`, value);
  }
  return value;
}

/** `maxFrame` as every decoder reads it: a non-negative safe integer, default 16 MiB. */
export function maxFrameOption(value: number | undefined): number {
  return intOption('maxFrame', value, DEFAULT_MAX_FRAME, 0, Number.MAX_SAFE_INTEGER);
}
