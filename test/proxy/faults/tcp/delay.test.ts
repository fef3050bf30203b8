// delay as a peer sees it: every chunk arrives at least `ms` later than it was read, in order.
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '../../../../proxy/trace.ts';
import { collect, pattern, readBytes, throughProxy, useCleanup } from '../../../helpers/net.ts';

/** For each 'out' event, the 'in' event that read its first byte (offsets are equal: no drops). */
function inFor(events: TraceEvent[], out: TraceEvent): TraceEvent {
  const ins = events.filter((e) => e.kind === 'in');
  return ins.findLast((e) => e.offset <= out.offset)!;
}

describe('delay', () => {
  const cleanup = useCleanup();

  it('holds each chunk at least ms (echo round trip and trace agree)', async () => {
    const { client, conn } = await throughProxy(cleanup, { upstream: [{ delay: { ms: 40 } }] });
    const sentAt = performance.now();
    client.write('ping');
    const echo = await readBytes(client, 4);
    // Timers may fire up to a millisecond early; only a lower bound is asserted, never an upper.
    expect(performance.now() - sentAt).toBeGreaterThanOrEqual(39);
    expect(echo.data.toString()).toBe('ping');
    const events = conn.upstream!.trace.events;
    const out = events.find((e) => e.kind === 'out')!;
    expect(out.t - inFor(events, out).t).toBeGreaterThanOrEqual(39);
  });

  it('keeps order with jitter, over many separately read chunks', async () => {
    const { client, conn } = await throughProxy(cleanup, { upstream: [{ delay: { ms: 5, jitter_ms: 5 } }] }, { seed: 3 });
    const payload = pattern(30 * 100);
    const echoed = collect(client);
    for (let i = 0; i < 30; i++) {
      client.write(payload.subarray(i * 100, (i + 1) * 100));
      // One proxy read per write, so each chunk draws its own jitter.
      await once(conn.client, 'data');
    }
    client.end();
    const got = await echoed;
    expect(got.error).toBeUndefined();
    expect(got.data.equals(payload)).toBe(true);
    const outs = conn.upstream!.trace.events.filter((e) => e.kind === 'out');
    // Offsets only grow: nothing overtook anything.
    expect(outs.map((e) => e.offset)).toEqual([...outs.map((e) => e.offset)].sort((a, b) => a - b));
  });

  it('forwards the FIN only after the delayed bytes', async () => {
    const { client } = await throughProxy(cleanup, { downstream: [{ delay: { ms: 20 } }] });
    const got = collect(client);
    client.end(pattern(1000));
    const result = await got;
    expect(result.data.equals(pattern(1000))).toBe(true);
  });
});
