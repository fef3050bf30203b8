// Run the chosen reporters over a finished run, timing each; a reporter that fails stops with a coded error.
import { mkdir } from 'node:fs/promises';
import { ReportWriteError } from '../errors.ts';
import type { ReportContext } from './contract.ts';
import { REPORTERS, type ReporterName } from './registry.ts';

export interface ReportTiming {
  reporter: ReporterName;
  files: string[];
  ms: number;
}

export async function writeReports(names: readonly ReporterName[], ctx: ReportContext): Promise<ReportTiming[]> {
  try {
    await mkdir(ctx.outDir, { recursive: true });
  } catch (err) {
    throw new ReportWriteError('report folder', ctx.outDir, err as Error);
  }
  const timings: ReportTiming[] = [];
  for (const name of names) {
    const started = performance.now();
    let files: string[];
    try {
      files = await REPORTERS[name].write(ctx);
    } catch (err) {
      throw new ReportWriteError(name, ctx.outDir, err as Error);
    }
    const ms = Math.round((performance.now() - started) * 10) / 10;
    ctx.log.debug({ reporter: name, files, ms }, 'report written');
    timings.push({ reporter: name, files, ms });
  }
  return timings;
}
