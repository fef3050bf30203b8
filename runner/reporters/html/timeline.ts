// Turns one direction's trace into a bounded picture model: lanes of chunks in and out, markers, message ends.
//
// Everything is placed in the *input* stream's coordinates (byte offset for TCP, datagram index
// for UDP), so a chunk that went out is drawn under the bytes that came in, and message ends
// line up across both lanes. A lane with more chunks than MAX_SEGMENTS is summarised into
// MAX_SEGMENTS bins, so a trace of any size draws in bounded time and space.
import type { TraceEvent } from '../../../proxy/index.ts';
import type { LinkTraceRecord } from '../../result.ts';

/** Most drawn pieces per lane, ladder lines and message-end ticks per direction. */
export const MAX_SEGMENTS = 120;
export const MAX_LINKS = 100;
export const MAX_MARKERS = 100;
/** An out chunk that left this much later than its first byte came in counts as delayed. */
export const DELAYED_MS = 2;

/**
 * How a chunk relates to the messages (or, without known messages, to the other lane's chunks):
 * glued holds bytes of more than one, split holds only part of one. UDP adds dup (a copy),
 * reordered (overtook by an earlier datagram), truncated (shorter than it came in), dropped.
 */
export type SegmentClass = 'plain' | 'glued' | 'split' | 'dup' | 'reordered' | 'truncated' | 'dropped';

export interface Segment {
  start: number;
  end: number;
  /** ms since the link started (first chunk of a bin). */
  t: number;
  cls: SegmentClass;
  /** Chunks this piece stands for (1 unless summarised). */
  count: number;
  /** Bytes the piece stands for. */
  bytes: number;
  /** For out pieces: how long after its first byte came in it went out (max over a bin). */
  delay?: number;
  /** Per-class chunk counts of a summarised bin. */
  mix?: Partial<Record<SegmentClass, number>>;
  /** UDP: the datagram index an out datagram carries. */
  index?: number;
  /** UDP: the datagram's size in bytes. */
  payload?: number;
}

export interface Marker {
  kind: 'drop' | 'corrupt' | 'duplicate' | 'reorder' | 'truncate' | 'end';
  at: number;
  size: number;
  t: number;
  note?: string;
  /** Events this marker stands for (1 unless summarised). */
  count: number;
}

export interface TimeLink {
  tIn: number;
  tOut: number;
}

export interface DirectionTimeline {
  unit: 'bytes' | 'datagrams';
  /** The x range drawn: [0, extent). */
  extent: number;
  in: Segment[];
  out: Segment[];
  markers: Marker[];
  /** Message ends inside the drawn range (positions), at most MAX_SEGMENTS of them. */
  boundaries: number[];
  /** Message ends known in this direction; more than drawn when summarised. */
  boundaryCount: number;
  /** Whether message ends came from the pair (true) or the in lane stands in for them. */
  messagesKnown: boolean;
  summarised: boolean;
  chunksIn: number;
  chunksOut: number;
  /** Trace events the proxy did not keep (past its limit): the picture covers the start only. */
  omitted: number;
  /** Ladder: for each drawn in→out pair, when the bytes came in and went out. */
  links: TimeLink[];
  duration: number;
  delayedChunks: number;
}

interface Chunk {
  start: number;
  end: number;
  t: number;
  index?: number;
  payload?: number;
  cls: SegmentClass;
  delay?: number;
}

/** Index of the last element of sorted `xs` that is <= x, or -1. */
function floorIndex(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length - 1;
  let best = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! <= x) {
      best = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return best;
}

/** Classify a chunk [s, e) against sorted message ends: glued crosses an end, split is within one message. */
function classify(s: number, e: number, ends: readonly number[]): SegmentClass {
  if (ends.length === 0 || e <= s) return 'plain';
  const i = floorIndex(ends, s); // ends[i] <= s: the chunk starts in message i + 1
  const msgStart = i >= 0 ? ends[i]! : 0;
  const msgEnd = ends[i + 1];
  if (msgEnd === undefined) return 'plain'; // beyond the last known message
  if (e > msgEnd) return 'glued';
  return s > msgStart || e < msgEnd ? 'split' : 'plain';
}

/** Maps an output offset to the input offset, skipping the ranges a fault dropped. */
function inSpace(drops: readonly { at: number; size: number }[]): (outOffset: number) => number {
  return (o) => {
    let pos = o;
    for (const d of drops) {
      if (d.at <= pos) pos += d.size;
      else break;
    }
    return pos;
  };
}

function bin(chunks: readonly Chunk[], extent: number): Segment[] {
  if (chunks.length <= MAX_SEGMENTS) {
    return chunks.map((c) => ({
      start: c.start,
      end: c.end,
      t: c.t,
      cls: c.cls,
      count: 1,
      bytes: c.end - c.start,
      ...(c.delay !== undefined ? { delay: c.delay } : {}),
      ...(c.index !== undefined ? { index: c.index } : {}),
      ...(c.payload !== undefined ? { payload: c.payload } : {}),
    }));
  }
  const width = extent / MAX_SEGMENTS;
  const bins: Segment[] = [];
  for (const c of chunks) {
    const k = Math.min(MAX_SEGMENTS - 1, Math.floor(c.start / width));
    let b = bins[k];
    if (!b) {
      b = { start: k * width, end: (k + 1) * width, t: c.t, cls: 'plain', count: 0, bytes: 0, mix: {} };
      bins[k] = b;
    }
    b.count++;
    b.bytes += c.end - c.start;
    b.mix![c.cls] = (b.mix![c.cls] ?? 0) + 1;
    if (c.delay !== undefined) b.delay = Math.max(b.delay ?? 0, c.delay);
  }
  const out = bins.filter((b): b is Segment => b !== undefined);
  for (const b of out) {
    // A bin shows its most common notable class: a reader looks for where things went wrong.
    let best: SegmentClass = 'plain';
    let bestN = 0;
    for (const [cls, n] of Object.entries(b.mix!) as [SegmentClass, number][]) {
      if (cls !== 'plain' && n > bestN) {
        best = cls;
        bestN = n;
      }
    }
    b.cls = best;
  }
  return out;
}

function binMarkers(markers: Marker[], extent: number): Marker[] {
  if (markers.length <= MAX_MARKERS) return markers;
  const width = extent / MAX_MARKERS || 1;
  const byKey = new Map<string, Marker>();
  for (const m of markers) {
    const key = `${m.kind}:${Math.floor(m.at / width)}`;
    const b = byKey.get(key);
    if (b) {
      b.count += m.count;
      b.size += m.size;
    } else byKey.set(key, { ...m });
  }
  return [...byKey.values()];
}

function sampleIndexes(length: number, max: number): number[] {
  if (length <= max) return Array.from({ length }, (_, i) => i);
  const step = length / max;
  return Array.from({ length: max }, (_, i) => Math.floor(i * step));
}

function sample<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return [...items];
  const step = items.length / max;
  return Array.from({ length: max }, (_, i) => items[Math.floor(i * step)]!);
}

function markersOf(events: readonly TraceEvent[], map: (e: TraceEvent) => number): Marker[] {
  const out: Marker[] = [];
  for (const e of events) {
    if (e.kind === 'in' || e.kind === 'out') continue;
    out.push({ kind: e.kind, at: map(e), size: e.size, t: e.t, count: 1, ...(e.note ? { note: e.note } : {}) });
  }
  return out;
}

function finish(
  base: Omit<DirectionTimeline, 'in' | 'out' | 'markers' | 'boundaries' | 'summarised' | 'links' | 'delayedChunks' | 'duration'>,
  ins: Chunk[],
  outs: Chunk[],
  markers: Marker[],
  ends: readonly number[],
  links: TimeLink[],
  duration: number,
): DirectionTimeline {
  const inside = ends.filter((b) => b > 0 && b <= base.extent);
  return {
    ...base,
    in: bin(ins, base.extent),
    out: bin(outs, base.extent),
    markers: binMarkers(markers, base.extent),
    boundaries: sample(inside, MAX_SEGMENTS),
    summarised: ins.length > MAX_SEGMENTS || outs.length > MAX_SEGMENTS,
    links: sample(links, MAX_LINKS),
    duration,
    delayedChunks: outs.filter((c) => (c.delay ?? 0) >= DELAYED_MS).length,
  };
}

/** A TCP direction: bytes in, bytes out, drops and corruptions, message ends. */
export function streamTimeline(link: LinkTraceRecord, messageEnds: readonly number[] | undefined): DirectionTimeline {
  const events = link.events;
  const drops = events.filter((e) => e.kind === 'drop' && e.size > 0).map((e) => ({ at: e.offset, size: e.size }));
  drops.sort((a, b) => a.at - b.at);
  const toIn = inSpace(drops);
  const ins: Chunk[] = [];
  const outs: Chunk[] = [];
  for (const e of events) {
    if (e.kind === 'in') ins.push({ start: e.offset, end: e.offset + e.size, t: e.t, cls: 'plain' });
  }
  const inStarts = ins.map((c) => c.start);
  for (const e of events) {
    if (e.kind !== 'out') continue;
    const start = toIn(e.offset);
    const end = Math.max(start, toIn(e.offset + e.size - 1) + 1);
    const from = ins[floorIndex(inStarts, start)];
    outs.push({ start, end, t: e.t, cls: 'plain', ...(from ? { delay: Math.max(0, Math.round((e.t - from.t) * 1000) / 1000) } : {}) });
  }
  const known = messageEnds !== undefined && messageEnds.length > 0;
  // Without the pair's messages, an out chunk is judged against the chunks that came in.
  const ends = known ? messageEnds : ins.map((c) => c.end);
  if (known) for (const c of ins) c.cls = classify(c.start, c.end, ends);
  for (const c of outs) c.cls = classify(c.start, c.end, ends);
  const extent = Math.max(1, ...ins.map((c) => c.end), ...outs.map((c) => c.end), ...drops.map((d) => d.at + d.size));

  // Ladder: each in chunk to the out chunk carrying its first byte, and each out chunk to the
  // in chunk its first byte came in with — converging lines are glued, fanning lines are split.
  // Only a sample is drawn, so only a sample is computed: a big trace costs no more than a small one.
  const outStarts = outs.map((c) => c.start);
  const pairs = new Set<number>();
  const links: TimeLink[] = [];
  const add = (ii: number, oi: number): void => {
    const i = ins[ii];
    const o = outs[oi];
    if (!i || !o || o.end <= i.start || o.start >= i.end || pairs.has(ii * outs.length + oi)) return;
    pairs.add(ii * outs.length + oi);
    links.push({ tIn: i.t, tOut: o.t });
  };
  for (const ii of sampleIndexes(ins.length, MAX_LINKS)) add(ii, floorIndex(outStarts, ins[ii]!.start));
  for (const oi of sampleIndexes(outs.length, MAX_LINKS)) add(floorIndex(inStarts, outs[oi]!.start), oi);
  links.sort((a, b) => a.tIn - b.tIn || a.tOut - b.tOut);
  const duration = Math.max(0, ...events.map((e) => e.t));

  return finish(
    {
      unit: 'bytes',
      extent,
      boundaryCount: messageEnds?.length ?? 0,
      messagesKnown: known,
      chunksIn: link.totals.chunksIn,
      chunksOut: link.totals.chunksOut,
      omitted: link.omitted,
    },
    ins,
    outs,
    markersOf(events, (e) => (e.kind === 'end' ? extent : e.offset)),
    ends,
    links,
    duration,
  );
}

/** A UDP direction: datagram i in, datagrams out in sending order (copies, overtakers, cut ones). */
export function datagramTimeline(link: LinkTraceRecord): DirectionTimeline {
  const events = link.events;
  const ins: Chunk[] = [];
  const sizeIn = new Map<number, number>();
  const tIn = new Map<number, number>();
  for (const e of events) {
    if (e.kind !== 'in') continue;
    ins.push({ start: ins.length, end: ins.length + 1, t: e.t, index: e.offset, payload: e.size, cls: 'plain' });
    sizeIn.set(e.offset, e.size);
    tIn.set(e.offset, e.t);
  }
  const outs: Chunk[] = [];
  const seen = new Set<number>();
  let highest = -1;
  for (const e of events) {
    if (e.kind !== 'out') continue;
    const k = outs.length;
    let cls: SegmentClass = 'plain';
    if (seen.has(e.offset)) cls = 'dup';
    else if (e.offset < highest) cls = 'reordered';
    else if (e.size < (sizeIn.get(e.offset) ?? e.size)) cls = 'truncated';
    seen.add(e.offset);
    highest = Math.max(highest, e.offset);
    const t0 = tIn.get(e.offset);
    outs.push({ start: k, end: k + 1, t: e.t, index: e.offset, payload: e.size, cls, ...(t0 !== undefined ? { delay: Math.max(0, e.t - t0) } : {}) });
  }
  // Position of the in lane's datagram by its index, for markers and for the dropped ones.
  const posOf = new Map<number, number>();
  ins.forEach((c, i) => posOf.set(c.index!, i));
  for (const c of ins) if (!seen.has(c.index!)) c.cls = 'dropped';
  const extent = Math.max(1, ins.length, outs.length);
  const links: TimeLink[] = outs.filter((o) => tIn.has(o.index!)).map((o) => ({ tIn: tIn.get(o.index!)!, tOut: o.t }));
  return finish(
    {
      unit: 'datagrams',
      extent,
      boundaryCount: 0,
      messagesKnown: true, // a datagram is a message
      chunksIn: link.totals.chunksIn,
      chunksOut: link.totals.chunksOut,
      omitted: link.omitted,
    },
    ins,
    outs,
    markersOf(events, (e) => (e.kind === 'end' ? extent : (posOf.get(e.offset) ?? e.offset))),
    [],
    links,
    Math.max(0, ...events.map((e) => e.t)),
  );
}
