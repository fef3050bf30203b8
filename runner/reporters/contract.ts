// What a reporter is: one output format written from a finished run's summary.
import type { Logger } from 'pino';
import type { RunSummary } from '../result.ts';

export interface ReportContext {
  summary: RunSummary;
  /** The run's report folder; file reporters write here. */
  outDir: string;
  /** The console (the CLI's stdout): where annotation-style reporters print. */
  out: NodeJS.WritableStream;
  log: Logger;
}

export interface Reporter {
  /** One line for `wirefault run --help`. */
  readonly description: string;
  /** Writes the report; resolves to the files written (empty for console-only reporters). */
  write(ctx: ReportContext): Promise<string[]>;
}
