// drop (UDP): loss statistics of the decision logic alone (seeded, no sockets), then as a peer sees it.
import { describe, expect, it } from 'vitest';
import { lossParameters, lossProcess, type LossParameters } from '../../../../proxy/faults/udp/drop.ts';
import { Rng } from '../../../../proxy/rng.ts';
import { makeFault, numberedSeries, numbers, runFault, throughUpstream, useUdpCleanup } from '../../../helpers/udp.ts';

/** Fates of `n` datagrams as the fault decides them (true = lost), through its real process(). */
function fates(options: Record<string, unknown>, n: number, seed = 7): boolean[] {
  const { fault } = makeFault('drop', options, seed);
  const empty = Buffer.alloc(0);
  return Array.from({ length: n }, (_, index) => fault.process({ data: empty, index }, 0).length === 0);
}

/** What a loss sequence shows: its rate, its bursts, and the estimated chain of lost/delivered. */
function measure(lost: boolean[]) {
  let losses = 0;
  let bursts = 0;
  let afterOk = 0;
  let okToLost = 0;
  let afterLost = 0;
  let lostToOk = 0;
  for (let i = 0; i < lost.length; i++) {
    if (lost[i]) losses++;
    if (lost[i] && (i === 0 || !lost[i - 1])) bursts++;
    if (i === 0) continue;
    if (lost[i - 1]) {
      afterLost++;
      if (!lost[i]) lostToOk++;
    } else {
      afterOk++;
      if (lost[i]) okToLost++;
    }
  }
  return {
    rate: losses / lost.length,
    meanBurst: losses / bursts,
    /** P(lost | previous delivered): p of the simple Gilbert model. */
    pHat: okToLost / afterOk,
    /** P(delivered | previous lost): r of the simple Gilbert model. */
    rHat: lostToOk / afterLost,
    /** P(lost | previous lost). */
    lossAfterLoss: 1 - lostToOk / afterLost,
  };
}

/** Long-run loss rate of the chain: L = [r(1−k) + p(1−h)] / (p + r). */
function longRunLoss(c: LossParameters): number {
  return (c.r * c.lossGood + c.p * c.lossBad) / (c.p + c.r);
}

/**
 * P(lost at t+1 | lost at t) when the loss of a datagram is drawn in the state the chain is in
 * when it arrives and the chain moves afterwards (netem's order).
 */
function lossAfterLoss(c: LossParameters): number {
  const piBad = c.p / (c.p + c.r);
  const piGood = 1 - piBad;
  const nextGood = c.lossGood * ((1 - c.p) * c.lossGood + c.p * c.lossBad);
  const nextBad = c.lossBad * (c.r * c.lossGood + (1 - c.r) * c.lossBad);
  return (piGood * nextGood + piBad * nextBad) / longRunLoss(c);
}

const within = (value: number, target: number, relative: number) =>
  expect(Math.abs(value - target) / target, `${value} vs ${target}`).toBeLessThanOrEqual(relative);

describe('drop decisions (no sockets)', () => {
  it('rate 0.2 over 100 000 datagrams loses 20 % ± 1 point, uncorrelated', () => {
    const m = measure(fates({ rate: 0.2 }, 100_000));
    expect(Math.abs(m.rate - 0.2)).toBeLessThanOrEqual(0.01);
    // Independent losses: a loss says nothing about the next datagram.
    expect(Math.abs(m.lossAfterLoss - 0.2)).toBeLessThanOrEqual(0.01);
  });

  it('gilbert-elliott p 0.05, r 0.2, 1-h 0.8, 1-k 0.01 gives L = 0.168 and correlated losses', () => {
    const options = { model: 'gilbert-elliott', p: 0.05, r: 0.2, h: 0.2, k: 0.99 };
    const chain = lossParameters(options as never);
    expect(longRunLoss(chain)).toBeCloseTo(0.168, 10);
    const m = measure(fates(options, 200_000));
    within(m.rate, 0.168, 0.05);
    within(m.lossAfterLoss, lossAfterLoss(chain), 0.05); // ≈ 0.614, far above the 0.168 of independent loss
  });

  it('simple Gilbert (k = 1, h = 0): loss p/(p+r), mean burst 1/r, and the transition probabilities', () => {
    const m = measure(fates({ model: 'gilbert-elliott', p: 0.05, r: 0.2 }, 200_000));
    within(m.rate, 0.05 / 0.25, 0.05);
    within(m.meanBurst, 1 / 0.2, 0.05);
    within(m.pHat, 0.05, 0.05);
    within(m.rHat, 0.2, 0.05);
  });

  it('rate + mean_burst lands on both numbers', () => {
    const m = measure(fates({ rate: 0.1, mean_burst: 4 }, 200_000));
    within(m.rate, 0.1, 0.05);
    within(m.meanBurst, 4, 0.05);
    // The chain it was converted to: r = 1/mean_burst, p = rate·r/(1−rate).
    within(m.rHat, 0.25, 0.05);
    within(m.pHat, (0.1 * 0.25) / 0.9, 0.05);
  });

  it('the n-th fate depends only on the seed and n', () => {
    expect(fates({ rate: 0.3 }, 1000, 5)).toEqual(fates({ rate: 0.3 }, 1000, 5));
    expect(fates({ rate: 0.3 }, 1000, 5)).not.toEqual(fates({ rate: 0.3 }, 1000, 6));
    // The process itself: two draws per datagram whatever the state.
    let draws = 0;
    const rng = new Rng(1);
    const lost = lossProcess(lossParameters({ rate: 0.5, mean_burst: 3 }), () => (draws++, rng.next()));
    for (let i = 0; i < 100; i++) lost();
    expect(draws).toBe(200);
  });

  it('rate 0 loses nothing, rate 1 loses everything', () => {
    expect(fates({ rate: 0 }, 1000).some(Boolean)).toBe(false);
    expect(fates({ rate: 1 }, 1000).every(Boolean)).toBe(true);
  });
});

describe('drop through the proxy', () => {
  const cleanup = useUdpCleanup();

  for (const options of [{ rate: 0.3 }, { rate: 0.2, mean_burst: 3 }, { model: 'gilbert-elliott', p: 0.1, r: 0.3, h: 0.1, k: 0.95 }]) {
    it(`${JSON.stringify(options)}: the server gets exactly the datagrams the seeded decisions keep, whole and in order`, async () => {
      const sent = numberedSeries(300);
      const { got, session } = await throughUpstream(cleanup, [{ drop: options }], sent, { seed: 11 });
      const kept = runFault(makeFault('drop', options, 11).fault, sent).map((e) => e.datagram.index);
      expect(numbers(got)).toEqual(kept);
      expect(kept.length).toBeGreaterThan(100);
      expect(kept.length).toBeLessThan(300);
      for (const d of got) expect(d.equals(sent[d.readUInt32BE(0)]!)).toBe(true);
      expect(session.upstream.dropped).toBe(300 - kept.length);
      const drops = session.upstream.trace.events.filter((e) => e.kind === 'drop').map((e) => e.offset);
      expect(drops).toEqual(sent.map((_, i) => i).filter((i) => !kept.includes(i)));
    });
  }
});
