// The link trace stays bounded but keeps exact totals, so long runs cannot exhaust memory.
import { describe, expect, it } from 'vitest';
import { Trace } from '../../proxy/trace.ts';

describe('Trace', () => {
  it('keeps at most `limit` events, counts the rest as omitted, and totals everything', () => {
    const trace = new Trace(10);
    for (let i = 0; i < 25; i++) {
      trace.record('in', i * 100, 100);
      trace.record('out', i * 100, 100);
    }
    trace.record('drop', 0, 7, 'drop');
    trace.record('corrupt', 3, 1, 'bit 2');
    expect(trace.events.length).toBe(10);
    expect(trace.omitted).toBe(42);
    expect(trace.totals).toMatchObject({ bytesIn: 2500, bytesOut: 2500, chunksIn: 25, chunksOut: 25, bytesDropped: 7, corrupted: 1 });
  });

  it('outSizes lists the kept out chunks in order', () => {
    const trace = new Trace();
    trace.record('in', 0, 10);
    trace.record('out', 0, 3);
    trace.record('out', 3, 7, 'x');
    trace.record('end', 10, 0, 'half-close');
    expect(trace.outSizes()).toEqual([3, 7]);
    expect(trace.events.at(-1)).toMatchObject({ kind: 'end', note: 'half-close' });
  });
});
