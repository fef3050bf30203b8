// Figures for the JSON report: each bench appends one JSON line per measured figure to the file
// named by BENCH_FIGURES (set by bench/run.ts); run alone, a bench just prints its Markdown.
import { appendFileSync } from 'node:fs';

export interface Figure {
  bench: string;
  /** What was measured, e.g. "TCP throughput wirefault:none". */
  name: string;
  value: number;
  unit: string;
  /** Every run's value, when the figure is a median. */
  runs?: number[];
  /** Ratios against baselines measured in the same run, by baseline name. */
  ratios?: Record<string, number>;
  /** The target for this figure, in words, and whether it was met. */
  target?: string;
  met?: boolean;
}

export function recordFigure(figure: Figure): void {
  const file = process.env.BENCH_FIGURES;
  if (file) appendFileSync(file, `${JSON.stringify(figure)}\n`);
}
