// Coded errors of the CLI and the scenario loader (the proxy's own live in proxy/errors.ts).
import { WirefaultError } from '../proxy/index.ts';

/** A command-line flag that is unknown, lacks a value, or has a bad one. Exit code 2. */
export class BadFlagError extends WirefaultError {
  constructor(message: string) {
    super('ERR_BAD_FLAG', message);
  }
}

/** A scenario file that cannot be read or parsed as YAML. Exit code 2. */
export class ScenarioReadError extends WirefaultError {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super('ERR_SCENARIO_READ', `${file}: ${detail}`);
  }
}

/** A report (or the report folder) could not be written: disk full, no permission, a bad --out. Exit code 2. */
export class ReportWriteError extends WirefaultError {
  constructor(
    readonly reporter: string,
    readonly outDir: string,
    cause: Error,
  ) {
    super('ERR_REPORT_WRITE', `${reporter}: cannot write the report under ${outDir}: ${cause.message}`);
    this.cause = cause;
  }
}

/** A peer of a built-in pair broke the pair's own protocol (e.g. no `recv_ready` in the "low" fix). */
export class PairProtocolError extends WirefaultError {
  constructor(message: string) {
    super('ERR_PAIR_PROTOCOL', message);
  }
}
