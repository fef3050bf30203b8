// Assembles index.html: run header, legend, summary table, and per scenario its facts and timelines.
import type { Direction } from '../../../proxy/rng.ts';
import type { ResolvedFault } from '../../../proxy/index.ts';
import type { LinkTraceRecord, RunSummary, ScenarioResult } from '../../result.ts';
import { CSS, SCRIPT, SVG_DEFS } from './assets.ts';
import { escapeHtml as h } from './escape.ts';
import { renderTimeline } from './svg.ts';
import { datagramTimeline, streamTimeline, DELAYED_MS, type DirectionTimeline, type SegmentClass } from './timeline.ts';

const LEGEND: [string, string][] = [
  ['var(--plain)', 'chunk / datagram as is'],
  ['var(--glued)', 'glued: bytes of several messages in one chunk'],
  ['var(--split)', 'split: part of one message'],
  ['var(--delayed)', 'delayed (bar above a chunk; slanted line in the time ladder)'],
  ['repeating-linear-gradient(45deg,#e03131 0 3px,#ffe3e3 3px 6px)', 'dropped'],
  ['var(--dup)', 'duplicated'],
  ['var(--reordered)', 'reordered'],
  ['var(--truncated)', 'truncated'],
];

function faultList(faults: readonly ResolvedFault[]): string {
  if (faults.length === 0) return 'none';
  return faults
    .map((f) => {
      const opts = Object.entries(f.options)
        .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
        .join(', ');
      return `${f.name}${opts ? ` { ${opts} }` : ''}`;
    })
    .join(' → ');
}

function shortFaults(r: ScenarioResult): string {
  const up = r.faults.upstream.map((f) => f.name).join('+');
  const down = r.faults.downstream.map((f) => f.name).join('+');
  return [up && `↑ ${up}`, down && `↓ ${down}`].filter(Boolean).join('  ') || '—';
}

function counts(tl: DirectionTimeline): Partial<Record<SegmentClass, number>> {
  const c: Partial<Record<SegmentClass, number>> = {};
  for (const s of [...tl.out, ...tl.in.filter((x) => x.cls === 'dropped')]) {
    if (s.mix) for (const [k, n] of Object.entries(s.mix) as [SegmentClass, number][]) c[k] = (c[k] ?? 0) + n;
    else c[s.cls] = (c[s.cls] ?? 0) + 1;
  }
  return c;
}

function caption(tl: DirectionTimeline, dir: Direction, link: LinkTraceRecord, labels: { in: string; out: string }): string {
  const t = link.totals;
  const c = counts(tl);
  const notable = (['glued', 'split', 'dup', 'reordered', 'truncated', 'dropped'] as const)
    .filter((k) => (c[k] ?? 0) > 0)
    .map((k) => `${c[k]} ${k === 'dup' ? 'duplicated' : k}`);
  if (tl.delayedChunks > 0) notable.push(`${tl.delayedChunks} delayed ≥ ${DELAYED_MS} ms`);
  if (t.bytesDropped > 0 && tl.unit === 'bytes') notable.push(`${t.bytesDropped} bytes dropped`);
  if (t.corrupted > 0) notable.push(`${t.corrupted} corrupted`);
  const unit = tl.unit === 'bytes' ? `${t.bytesIn} bytes in, ${t.bytesOut} out` : `${t.chunksIn} datagrams in, ${t.chunksOut} out`;
  const notes: string[] = [];
  if (tl.unit === 'bytes') {
    notes.push(tl.messagesKnown ? `dashed lines: ends of the pair's ${tl.boundaryCount} messages` : 'message ends unknown (command pair): glued/split are against the chunks that came in');
  }
  if (tl.summarised) notes.push('large trace: chunks summarised into bins');
  if (tl.omitted > 0) notes.push(`the trace kept its first events only (${tl.omitted} more not drawn)`);
  return (
    `<figcaption><b>${dir}</b> ${h(labels.in.replace(/^from /, ''))} → ${h(labels.out.replace(/^to /, ''))}: ` +
    `${t.chunksIn} ${tl.unit === 'bytes' ? 'reads' : 'datagrams'} in, ${t.chunksOut} writes out, ${unit}` +
    `${notable.length ? ` — <b>${h(notable.join(', '))}</b>` : ''}` +
    `${notes.length ? `<br><span class="note">${h(notes.join('; '))}</span>` : ''}</figcaption>`
  );
}

function directions(r: ScenarioResult, i: number): string {
  const conn = r.proxy.traces[0];
  if (!conn) return '<p class="note">No connection reached the proxy: nothing to draw.</p>';
  const out: string[] = [];
  if (r.proxy.connections > 1) {
    out.push(`<p class="desc">${r.proxy.connections} ${r.protocol === 'udp' ? 'sessions' : 'connections'}; drawn: the first (index ${conn.index}).</p>`);
  }
  for (const dir of ['upstream', 'downstream'] as const) {
    const link = conn[dir];
    const labels = dir === 'upstream' ? { in: 'from client', out: 'to server' } : { in: 'from server', out: 'to client' };
    const ends = conn.index === 0 ? r.boundaries?.[dir] : undefined;
    const tl = r.protocol === 'udp' ? datagramTimeline(link) : streamTimeline(link, ends);
    const svg = renderTimeline(tl, labels, `tl-${i}-${dir}`);
    out.push(`<figure class="direction" data-dir="${dir}">${caption(tl, dir, link, labels)}<template>${svg}</template></figure>`);
  }
  return out.join('');
}

function metricsLine(r: ScenarioResult): string {
  if (!r.metrics) return '—';
  const m = r.metrics;
  return `sent ${m.sent}, received ${m.received}, intact ${m.intact}, corrupted ${m.corrupted}, lost ${m.lost}, duplicated ${m.duplicated}, out of order ${m.out_of_order}, sticky reads ${m.sticky_reads}, partial reads ${m.partial_reads}`;
}

function scenarioSection(r: ScenarioResult, i: number): string {
  const open = r.status !== 'met' ? ' open' : '';
  const reasons = r.reasons.length ? `<ul class="reasons">${r.reasons.map((x) => `<li>${h(x)}</li>`).join('')}</ul>` : '';
  const capture = r.capture ? `<dt>capture</dt><dd><a href="${h(r.capture)}">${h(r.capture)}</a> (pcapng: open in Wireshark)</dd>` : '';
  return (
    `<details class="scenario" id="s-${i}" data-name="${h(r.name)}" data-status="${r.status}"${open}>` +
    `<summary>${h(r.name)} <span class="badge ${r.status}">${r.status}</span> <span class="meta">${h(r.file)}</span></summary>` +
    `<div class="body"><p class="desc">${h(r.description.trim())}</p>${reasons}` +
    `<dl class="kv"><dt>outcome</dt><dd>${r.outcome} (expected ${r.expected_outcome})${r.outcome_reason ? ` — ${h(r.outcome_reason)}` : ''}</dd>` +
    `<dt>protocol, seed</dt><dd>${r.protocol}, ${r.seed}</dd>` +
    `<dt>upstream faults</dt><dd class="mono">${h(faultList(r.faults.upstream))}</dd>` +
    `<dt>downstream faults</dt><dd class="mono">${h(faultList(r.faults.downstream))}</dd>` +
    `<dt>metrics</dt><dd>${h(metricsLine(r))}</dd><dt>time</dt><dd>${r.duration_ms} ms</dd>${capture}` +
    `<dt>rerun</dt><dd><pre class="rerun">${h(r.rerun)}</pre></dd></dl>` +
    `${directions(r, i)}</div></details>`
  );
}

function row(r: ScenarioResult, i: number): string {
  const m = r.metrics;
  const num = (v: number | undefined): string => `<td class="num">${v === undefined ? '—' : v}</td>`;
  return (
    `<tr class="${r.status}" data-name="${h(r.name)}" data-status="${r.status}"><td><a href="#s-${i}">${h(r.name)}</a></td>` +
    `<td><span class="badge ${r.status}">${r.status}</span></td><td>${r.outcome} / ${r.expected_outcome}</td>` +
    `<td class="num">${m ? `${m.intact}/${m.sent}` : '—'}</td>${num(m?.sticky_reads)}${num(m?.partial_reads)}${num(m?.lost)}` +
    `<td class="mono">${h(shortFaults(r))}</td>${num(r.duration_ms)}</tr>`
  );
}

export function renderPage(summary: RunSummary): string {
  const t = summary.totals;
  const meta = [
    `run ${summary.run_id}`,
    `started ${summary.started_at}`,
    `${summary.duration_ms} ms`,
    ...(summary.seed_override !== undefined ? [`--seed ${summary.seed_override}`] : []),
    ...(summary.shard ? [`shard ${summary.shard}`] : []),
  ].join(' · ');
  const legend = LEGEND.map(([color, text]) => `<span><i style="background:${color}"></i>${h(text)}</span>`).join('');
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>wirefault — ${h(summary.run_id)}</title><link rel="icon" href="data:,"><style>${CSS}</style></head><body>`,
    SVG_DEFS,
    `<header><h1>wirefault run</h1><p class="meta">${h(meta)}</p>`,
    `<p class="totals"><span class="badge met">${t.met} met</span><span class="badge unmet">${t.unmet} unmet</span><span class="badge error">${t.error} errors</span> of ${t.scenarios} scenarios</p></header>`,
    `<div class="legend">${legend}<span><i style="border-left:2px dashed #1d2330;width:2px"></i>message end</span></div>`,
    '<p class="meta">Each scenario shows, per direction, the chunks the proxy read (in) and wrote (out) along the byte stream, then when they came in and went out. Hover a piece for details.</p>',
    '<div class="filters"><button data-filter="all" aria-pressed="true">all</button><button data-filter="failed" aria-pressed="false">not met</button>',
    '<input id="wf-search" type="search" placeholder="filter by name" aria-label="filter by name"></div>',
    '<table class="summary"><thead><tr><th>scenario</th><th>status</th><th>outcome / expected</th><th>intact/sent</th><th>sticky</th><th>partial</th><th>lost</th><th>faults</th><th>ms</th></tr></thead><tbody>',
    ...summary.scenarios.map(row),
    '</tbody></table><main>',
    ...summary.scenarios.map(scenarioSection),
    `</main><script>${SCRIPT}</script></body></html>`,
    '',
  ].join('\n');
}
