// Closing under loss: whatever the close exchange loses, both sides finish (no hang, no error).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LossyChannel, ReliableUdp, VirtualClock } from '../../../framing/index.ts';
import type { DatagramTransport } from '../../../framing/reliable-udp/transport.ts';

/**
 * A transport that drops the datagrams `drops` marks, counted from the first one sent after the
 * close began (`armed`), and delivers everything else and everything after the list.
 */
function scripted(inner: DatagramTransport, drops: boolean[]): DatagramTransport & { armed: boolean; dropped: number } {
  let n = 0;
  const t = {
    armed: false,
    dropped: 0,
    send(d: Uint8Array): void {
      if (t.armed && drops[n++] === true) {
        t.dropped++;
        return;
      }
      inner.send(d);
    },
    onMessage: (cb: (d: Buffer) => void) => inner.onMessage(cb),
    close: () => inner.close?.(),
  };
  return t;
}

/** a sends one message and closes; b answers a's FIN with its own (not half-open). */
async function closeUnder(aDrops: boolean[], bDrops: boolean[]) {
  const clock = new VirtualClock();
  const channel = new LossyChannel({ seed: 1, clock, delayMs: 5 });
  const aSide = scripted(channel.a, aDrops);
  const bSide = scripted(channel.b, bDrops);
  const a = new ReliableUdp(aSide, { clock, minRto: 20, initialRto: 20 });
  const b = new ReliableUdp(bSide, { clock, minRto: 20, initialRto: 20 });
  const errors: string[] = [];
  a.on('error', (e) => errors.push(`a: ${e.message}`));
  b.on('error', (e) => errors.push(`b: ${e.message}`));
  const settled = { a: false, b: false };
  b.on('message', () => {});
  b.on('end', () => void b.close().then(() => (settled.b = true), () => {}));
  a.send(Buffer.from('last words'));
  void a.close().then(() => (settled.a = true), () => {});
  aSide.armed = true;
  bSide.armed = true;
  clock.run();
  // The virtual clock has no timers left: a close that has not settled by now never will. Let the
  // promise callbacks of those that did run.
  await new Promise<void>((resolve) => setImmediate(resolve));
  return { a, b, errors, settled, dropped: aSide.dropped + bSide.dropped, clock };
}

/**
 * Which datagrams to drop: no more than `burst` in a row. Longer bursts can defeat any close with
 * finite retries: a side that hears nothing for LAST_ACK_RETRIES backed-off timeouts (7 RTOs)
 * must assume the peer got its FIN and left.
 */
function lossPattern(length: number, burst: number): fc.Arbitrary<boolean[]> {
  return fc.array(fc.boolean(), { maxLength: length }).map((drops) => {
    let run = 0;
    return drops.map((d) => (d && ++run <= burst ? true : ((run = 0), false)));
  });
}

describe('closing a reliable-UDP connection under loss', () => {
  it('finishes when every FIN the closing side gets is lost several times over', async () => {
    // b's FIN and its retransmissions lost five times: more than b retries once a's FIN arrived.
    const r = await closeUnder([], [true, true, true, true, true, true]);
    expect(r.errors).toEqual([]);
    expect(r.settled).toEqual({ a: true, b: true });
    expect(r.a.isDestroyed && r.b.isDestroyed).toBe(true);
  });

  it('finishes whatever the first 40 datagrams of each side after the close began suffer, in bursts of up to 5', async () => {
    await fc.assert(
      fc.asyncProperty(lossPattern(40, 5), lossPattern(40, 5), async (aDrops, bDrops) => {
        const r = await closeUnder(aDrops, bDrops);
        expect(r.errors).toEqual([]);
        expect(r.settled).toEqual({ a: true, b: true });
      }),
      { numRuns: 500, seed: 4 },
    );
  });
});
