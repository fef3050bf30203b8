// What `wirefault run` prints: progress while scenarios run, and a table at the end.
import type { RunSummary, ScenarioResult } from './result.ts';

const MARK: Record<ScenarioResult['status'], string> = { met: 'ok  ', unmet: 'FAIL', error: 'ERR ' };

export class Progress {
  private running = new Set<string>();
  private done = 0;
  constructor(
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean },
    private readonly total: number,
  ) {}

  start(name: string): void {
    this.running.add(name);
    this.live();
  }

  finish(r: ScenarioResult): void {
    this.running.delete(r.name);
    this.done++;
    this.clearLive();
    const why = r.status === 'met' ? '' : `  — ${r.reasons[0] ?? ''}`;
    this.out.write(`${MARK[r.status]} [${this.done}/${this.total}] ${r.name} (${r.outcome}, ${r.duration_ms} ms)${why}\n`);
    this.live();
  }

  private live(): void {
    if (!this.out.isTTY || this.running.size === 0) return;
    const names = [...this.running].join(', ');
    this.out.write(`\r\x1b[2K… running ${this.running.size}: ${names.slice(0, 100)}`);
  }

  private clearLive(): void {
    if (this.out.isTTY) this.out.write('\r\x1b[2K');
  }
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

export function summaryTable(summary: RunSummary): string {
  const header = ['scenario', 'status', 'outcome', 'expected', 'intact/sent', 'sticky', 'partial', 'lost', 'ms'];
  const rows = summary.scenarios.map((r) => [
    r.name,
    r.status,
    r.outcome,
    r.expected_outcome,
    r.metrics ? `${r.metrics.intact}/${r.metrics.sent}` : '-',
    r.metrics ? String(r.metrics.sticky_reads) : '-',
    r.metrics ? String(r.metrics.partial_reads) : '-',
    r.metrics ? String(r.metrics.lost) : '-',
    String(r.duration_ms),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => pad(c, widths[i]!)).join('  ').trimEnd();
  const t = summary.totals;
  return [
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    `${t.scenarios} scenarios: ${t.met} met, ${t.unmet} unmet, ${t.error} errors in ${summary.duration_ms} ms`,
  ].join('\n');
}
