// The timeline model: glued/split against messages, drops mapped back, UDP copies and overtakers, bounded size.
import { describe, expect, it } from 'vitest';
import type { TraceEvent, TraceTotals } from '../../../proxy/index.ts';
import { MAX_LINKS, MAX_SEGMENTS, datagramTimeline, streamTimeline } from '../../../runner/reporters/html/timeline.ts';
import { renderTimeline } from '../../../runner/reporters/html/svg.ts';
import type { LinkTraceRecord } from '../../../runner/result.ts';

const totals = (): TraceTotals => ({ bytesIn: 0, bytesOut: 0, chunksIn: 0, chunksOut: 0, bytesDropped: 0, corrupted: 0, duplicated: 0, reordered: 0, truncated: 0 });

function link(events: Omit<TraceEvent, 't'>[], tStep = 1): LinkTraceRecord {
  return { totals: totals(), events: events.map((e, i) => ({ t: i * tStep, ...e })), omitted: 0 };
}

const ev = (kind: TraceEvent['kind'], offset: number, size: number, note?: string): Omit<TraceEvent, 't'> => ({ kind, offset, size, ...(note ? { note } : {}) });

describe('stream timeline', () => {
  it('classifies chunks against message ends: glued across an end, split within one message', () => {
    // Messages end at 5 and 9 ("hello", "feng"); in: one 9-byte read; out: 3 + 6.
    const tl = streamTimeline(link([ev('in', 0, 9), ev('out', 0, 3), ev('out', 3, 6)]), [5, 9]);
    expect(tl.in.map((s) => s.cls)).toEqual(['glued']);
    expect(tl.out.map((s) => [s.start, s.end, s.cls])).toEqual([
      [0, 3, 'split'],
      [3, 9, 'glued'],
    ]);
    expect(tl.boundaries).toEqual([5, 9]);
    expect(tl.messagesKnown).toBe(true);
  });

  it('without messages, out chunks are judged against the chunks that came in', () => {
    const tl = streamTimeline(link([ev('in', 0, 4), ev('in', 4, 4), ev('out', 0, 8), ev('in', 8, 6), ev('out', 8, 2), ev('out', 10, 4)]), undefined);
    expect(tl.out.map((s) => s.cls)).toEqual(['glued', 'split', 'split']);
    expect(tl.in.every((s) => s.cls === 'plain')).toBe(true);
    expect(tl.messagesKnown).toBe(false);
  });

  it('places out chunks after a drop under the bytes they came from, and marks the drop', () => {
    const tl = streamTimeline(link([ev('in', 0, 20), ev('drop', 5, 4, 'drop'), ev('out', 0, 5), ev('out', 5, 11)]), undefined);
    expect(tl.out.map((s) => [s.start, s.end])).toEqual([
      [0, 5],
      [9, 20],
    ]);
    expect(tl.markers).toEqual([expect.objectContaining({ kind: 'drop', at: 5, size: 4 })]);
  });

  it('measures how long bytes waited and counts delayed chunks', () => {
    const tl = streamTimeline(link([ev('in', 0, 10), ev('out', 0, 10)], 25), undefined);
    expect(tl.out[0]!.delay).toBe(25);
    expect(tl.delayedChunks).toBe(1);
    expect(tl.links).toEqual([{ tIn: 0, tOut: 25 }]);
  });

  it('summarises a huge trace into a bounded number of pieces', () => {
    const events: Omit<TraceEvent, 't'>[] = [];
    for (let i = 0; i < 20_000; i++) events.push(ev('in', i * 3, 3), ev('out', i * 3, 3));
    const ends = Array.from({ length: 30_000 }, (_, i) => (i + 1) * 2);
    const tl = streamTimeline(link(events), ends);
    expect(tl.summarised).toBe(true);
    expect(tl.in.length).toBeLessThanOrEqual(MAX_SEGMENTS);
    expect(tl.out.length).toBeLessThanOrEqual(MAX_SEGMENTS);
    expect(tl.boundaries.length).toBeLessThanOrEqual(MAX_SEGMENTS);
    expect(tl.links.length).toBeLessThanOrEqual(MAX_LINKS);
    expect(tl.out.reduce((n, s) => n + s.count, 0)).toBe(20_000);
    const svg = renderTimeline(tl, { in: 'from client', out: 'to server' }, 'x');
    expect(svg.length).toBeLessThan(120_000);
  });
});

describe('datagram timeline', () => {
  it('marks drops, duplicates, reorders and truncation', () => {
    const tl = datagramTimeline(
      link([
        ev('in', 0, 10),
        ev('in', 1, 10),
        ev('in', 2, 10),
        ev('in', 3, 2000),
        ev('drop', 1, 10, 'drop'),
        ev('out', 0, 10),
        ev('out', 0, 10),
        ev('out', 3, 1024),
        ev('out', 2, 10),
      ]),
    );
    expect(tl.unit).toBe('datagrams');
    expect(tl.in.map((s) => s.cls)).toEqual(['plain', 'dropped', 'plain', 'plain']);
    expect(tl.out.map((s) => [s.index, s.cls])).toEqual([
      [0, 'plain'],
      [0, 'dup'],
      [3, 'truncated'],
      [2, 'reordered'],
    ]);
    const svg = renderTimeline(tl, { in: 'from client', out: 'to server' }, 'u');
    expect(svg.match(/<line class="flow/g)).toHaveLength(4);
  });
});
