// Draws a DirectionTimeline as inline SVG: two lanes (in, out) over the input stream, then a time ladder.
//
// Styling lives in the page's CSS (classes c-glued, c-split, ...), so a drawing is only geometry
// plus a <title> per piece for the hover text. Sizes are in viewBox units; the figure scales.
import { escapeHtml } from './escape.ts';
import { DELAYED_MS, type DirectionTimeline, type Marker, type Segment } from './timeline.ts';

const W = 960;
const LEFT = 112;
const RIGHT = 16;
const LANE_H = 22;
const IN_Y = 26;
const OUT_Y = 70;
const AXIS_Y = 104;
const LADDER_IN_Y = 134;
const LADDER_OUT_Y = 174;
const HEIGHT = 196;

const f = (n: number): string => (Math.round(n * 10) / 10).toString();

export interface LaneLabels {
  in: string;
  out: string;
}

const CLASS_TEXT: Record<Segment['cls'], string> = {
  plain: '',
  glued: 'glued (several messages)',
  split: 'split (part of a message)',
  dup: 'duplicate',
  reordered: 'reordered',
  truncated: 'truncated',
  dropped: 'dropped',
};

function segmentTitle(s: Segment, lane: 'in' | 'out', unit: DirectionTimeline['unit'], messagesKnown: boolean): string {
  const what = unit === 'bytes' ? `${s.bytes} B at ${Math.round(s.start)}` : `#${s.index ?? Math.round(s.start)}, ${s.payload ?? '?'} B`;
  const head =
    s.count > 1
      ? `${s.count} ${lane === 'in' ? 'reads' : 'writes'}, ${s.bytes} ${unit === 'bytes' ? 'B' : 'datagrams'}`
      : `${lane === 'in' ? 'in' : 'out'} ${what}, ${f(s.t)} ms`;
  const parts = [head];
  let cls = s.mix ? '' : CLASS_TEXT[s.cls];
  if (!messagesKnown && s.cls === 'glued') cls = 'glued (several chunks in)';
  if (!messagesKnown && s.cls === 'split') cls = 'split (part of a chunk in)';
  if (cls) parts.push(cls);
  if (s.mix) parts.push(Object.entries(s.mix).map(([k, n]) => `${k} ${n}`).join(', '));
  if (s.delay !== undefined && s.delay >= DELAYED_MS) parts.push(`delayed ${f(s.delay)} ms`);
  return parts.join('; ');
}

function markerTitle(m: Marker, unit: DirectionTimeline['unit']): string {
  const n = m.count > 1 ? `${m.count}× ` : '';
  const where = m.kind === 'end' ? '' : ` at ${unit === 'bytes' ? `byte ${m.at}` : `datagram ${m.at}`}`;
  const size = m.kind === 'drop' && unit === 'bytes' ? ` (${m.size} bytes)` : '';
  return `${n}${m.kind}${where}${size}${m.note ? `: ${m.note}` : ''} (${f(m.t)} ms)`;
}

export function renderTimeline(tl: DirectionTimeline, labels: LaneLabels, id: string): string {
  const span = W - LEFT - RIGHT;
  const x = (v: number): number => LEFT + (v / tl.extent) * span;
  // A 1-unit gap keeps neighbouring chunks of the same colour apart.
  const width = (a: number, b: number): number => {
    const w = x(b) - x(a);
    return Math.max(0.8, w > 3 ? w - 1 : w);
  };
  const parts: string[] = [];
  parts.push(
    `<svg class="timeline" id="${id}" viewBox="0 0 ${W} ${HEIGHT}" role="img" aria-label="${escapeHtml(`${labels.in} / ${labels.out}`)}">`,
    `<text class="lane-label" x="4" y="${IN_Y + 15}">${escapeHtml(labels.in)}</text>`,
    `<text class="lane-label" x="4" y="${OUT_Y + 15}">${escapeHtml(labels.out)}</text>`,
  );
  // One group per lane carries the y offset, so each piece is only x, width and its hover text.
  const lane = (segs: Segment[], y: number, which: 'in' | 'out'): void => {
    const delayed: string[] = [];
    parts.push(`<g class="lane ${which}" transform="translate(0 ${y})">`);
    segs.forEach((s, i) => {
      const cls = `c-${s.cls}${i % 2 === 1 ? ' alt' : ''}`;
      const w = f(width(s.start, s.end));
      parts.push(`<rect class="${cls}" x="${f(x(s.start))}" width="${w}" height="${LANE_H}"><title>${escapeHtml(segmentTitle(s, which, tl.unit, tl.messagesKnown))}</title></rect>`);
      if (which === 'out' && s.delay !== undefined && s.delay >= DELAYED_MS) delayed.push(`M${f(x(s.start))} -5h${w}v3h-${w}z`);
    });
    if (delayed.length > 0) parts.push(`<path class="delayed" d="${delayed.join('')}"/>`);
    parts.push('</g>');
  };
  lane(tl.in, IN_Y, 'in');
  lane(tl.out, OUT_Y, 'out');

  // UDP: a line from each datagram in to where it went out; crossings are reorders, forks copies.
  if (tl.unit === 'datagrams' && !tl.summarised) {
    const inPos = new Map<number, number>();
    for (const s of tl.in) if (s.index !== undefined) inPos.set(s.index, s.start);
    for (const s of tl.out) {
      const from = s.index !== undefined ? inPos.get(s.index) : undefined;
      if (from === undefined) continue;
      parts.push(`<line class="flow c-${s.cls}" x1="${f(x(from + 0.5))}" y1="${IN_Y + LANE_H}" x2="${f(x(s.start + 0.5))}" y2="${OUT_Y}"/>`);
    }
  }

  if (tl.boundaries.length > 0) {
    const d = tl.boundaries.map((b) => `M${f(x(b))} ${IN_Y - 6}V${OUT_Y + LANE_H + 4}`).join('');
    parts.push(`<path class="boundary" data-count="${tl.boundaries.length}" d="${d}"><title>message ends</title></path>`);
  }
  for (const m of tl.markers) {
    const title = `<title>${escapeHtml(markerTitle(m, tl.unit))}</title>`;
    if (m.kind === 'drop' && tl.unit === 'bytes') {
      parts.push(`<rect class="mark-drop" x="${f(x(m.at))}" y="${IN_Y - 3}" width="${f(width(m.at, m.at + Math.max(1, m.size)))}" height="${LANE_H + 6}">${title}</rect>`);
    } else if (m.kind === 'end') {
      parts.push(`<g class="mark-end">${title}<line x1="${W - RIGHT}" y1="${OUT_Y - 8}" x2="${W - RIGHT}" y2="${OUT_Y + LANE_H}"/><text x="${W - RIGHT - 2}" y="${OUT_Y - 10}" text-anchor="end">${escapeHtml(m.note ?? 'end')}</text></g>`);
    } else {
      const cx = x(m.at + (tl.unit === 'datagrams' ? 0.5 : 0));
      const y = m.kind === 'drop' ? IN_Y + LANE_H + 2 : OUT_Y + LANE_H + 2;
      parts.push(`<path class="mark-${m.kind}" d="M${f(cx)} ${y} l5 9 h-10 z">${title}</path>`);
    }
  }

  // Axis: where the picture is in the stream.
  const unit = tl.unit === 'bytes' ? 'bytes' : 'datagrams';
  parts.push(
    `<line class="axis" x1="${LEFT}" y1="${AXIS_Y}" x2="${W - RIGHT}" y2="${AXIS_Y}"/>`,
    `<text class="tick" x="${LEFT}" y="${AXIS_Y + 12}">0</text>`,
    `<text class="tick" x="${W - RIGHT}" y="${AXIS_Y + 12}" text-anchor="end">${Math.round(tl.extent)} ${unit}</text>`,
  );

  // Time ladder: when things came in (top) and went out (bottom); slanted lines are delays.
  const dur = Math.max(tl.duration, 0.001);
  const tx = (t: number): number => LEFT + (t / dur) * span;
  parts.push(
    `<text class="lane-label" x="4" y="${LADDER_IN_Y + 4}">time in</text>`,
    `<text class="lane-label" x="4" y="${LADDER_OUT_Y + 4}">time out</text>`,
    `<line class="axis" x1="${LEFT}" y1="${LADDER_IN_Y}" x2="${W - RIGHT}" y2="${LADDER_IN_Y}"/>`,
    `<line class="axis" x1="${LEFT}" y1="${LADDER_OUT_Y}" x2="${W - RIGHT}" y2="${LADDER_OUT_Y}"/>`,
  );
  // All rungs in two paths (prompt, slow): a few hundred bytes however many there are.
  const rungs = { prompt: [] as string[], slow: [] as string[] };
  for (const l of tl.links) {
    rungs[l.tOut - l.tIn >= DELAYED_MS ? 'slow' : 'prompt'].push(`M${f(tx(l.tIn))} ${LADDER_IN_Y}L${f(tx(l.tOut))} ${LADDER_OUT_Y}`);
  }
  for (const [kind, d] of Object.entries(rungs)) if (d.length > 0) parts.push(`<path class="rung ${kind}" d="${d.join('')}"/>`);
  parts.push(
    `<text class="tick" x="${LEFT}" y="${HEIGHT - 4}">0 ms</text>`,
    `<text class="tick" x="${W - RIGHT}" y="${HEIGHT - 4}" text-anchor="end">${f(tl.duration)} ms</text>`,
    '</svg>',
  );
  return parts.join('');
}
