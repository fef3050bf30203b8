// The send window: segmentation, both window limits, acks and SACKs, time-based loss detection, give-up.
import { describe, expect, it } from 'vitest';
import { RtoEstimator } from '../../../framing/reliable-udp/rto.ts';
import { SendWindow, type OutSegment } from '../../../framing/reliable-udp/send-window.ts';

function make(window = 8, maxRetries = 3) {
  const rto = new RtoEstimator({ initialRto: 100, minRto: 100, maxRto: 10_000 });
  const w = new SendWindow({ initialSeq: 0, window, maxPayload: 4, maxRetries, reorderTolerance: 0.25 }, rto);
  return { w, rto };
}

function sendAll(w: SendWindow, now: number): OutSegment[] {
  const out: OutSegment[] = [];
  for (let s = w.nextNew(); s !== undefined; s = w.nextNew()) {
    w.sent(s, now);
    out.push(s);
  }
  return out;
}

describe('SendWindow', () => {
  it('cuts messages into maxPayload fragments counting down to 0, and an empty message into one', () => {
    const { w } = make();
    w.enqueue(Buffer.from('abcdefghij'));
    w.enqueue(Buffer.alloc(0));
    const segs = sendAll(w, 0);
    expect(segs.map((s) => [s.seq, s.frg, s.payload.toString()])).toEqual([
      [0, 2, 'abcd'],
      [1, 1, 'efgh'],
      [2, 0, 'ij'],
      [3, 0, ''],
    ]);
    expect(w.buffered).toBe(10);
  });

  it('keeps to its own window and to the window the peer advertises', () => {
    const { w } = make(3);
    for (let i = 0; i < 10; i++) w.enqueue(Buffer.from('x'));
    expect(sendAll(w, 0)).toHaveLength(3);
    w.ack(1, 1, 5);
    expect(sendAll(w, 5)).toHaveLength(0);
    w.ack(1, 8, 6);
    expect(sendAll(w, 6)).toHaveLength(1);
    expect(w.blocked).toBe(false);
    w.ack(4, 0, 7);
    expect(w.blocked).toBe(true);
  });

  it('declares a hole lost once a later segment is delivered and the hole is older than its RTT plus slack', () => {
    const { w, rto } = make();
    rto.sample(40);
    for (let i = 0; i < 3; i++) w.enqueue(Buffer.from('x'));
    sendAll(w, 0);
    w.sack(0, Buffer.from([0b1]), 40);
    // seq 0 left with seq 1 at 0; 1 took 40 ms; with a quarter of the min RTT (+1 ms) for reordering, 0 is lost at 51.
    expect(w.due(45).lost).toEqual([]);
    expect(w.nextDeadline()).toBe(51);
    expect(w.due(51).lost?.map((s) => s.seq)).toEqual([0]);
  });

  it('retransmits on RTO, doubling it each time, and gives up after maxRetries timeouts', () => {
    const { w } = make(8, 2);
    w.enqueue(Buffer.from('x'));
    const [seg] = sendAll(w, 0) as [OutSegment];
    expect(w.due(99).lost).toEqual([]);
    expect(w.due(100).lost).toEqual([seg]);
    w.sent(seg, 100);
    expect(seg.rtoAt).toBe(300);
    expect(w.due(300).lost).toEqual([seg]);
    w.sent(seg, 300);
    expect(w.due(700).gaveUp).toBe(seg);
  });

  it('forgets acknowledged segments and finishes with an acknowledged FIN', () => {
    const { w } = make();
    w.enqueue(Buffer.from('abc'));
    w.queueFin();
    const segs = sendAll(w, 0);
    expect(segs.map((s) => s.fin)).toEqual([false, true]);
    expect(w.finAcked).toBe(false);
    w.ack(2, 8, 10);
    expect(w.finAcked).toBe(true);
    expect(w.inFlight).toBe(0);
    expect(w.buffered).toBe(0);
    expect(w.nextDeadline()).toBeUndefined();
  });
});
