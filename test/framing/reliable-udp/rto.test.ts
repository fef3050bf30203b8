// The RTO estimator follows RFC 6298: first sample, smoothing, bounds and exponential backoff.
import { describe, expect, it } from 'vitest';
import { RtoEstimator } from '../../../framing/reliable-udp/rto.ts';

const make = () => new RtoEstimator({ initialRto: 1000, minRto: 10, maxRto: 5000 });

describe('RtoEstimator', () => {
  it('starts at the initial RTO and takes the first sample as SRTT with RTTVAR = R/2 (2.2)', () => {
    const rto = make();
    expect(rto.rto).toBe(1000);
    rto.sample(100);
    expect(rto.srtt).toBe(100);
    expect(rto.rttvar).toBe(50);
    expect(rto.rto).toBe(300);
  });

  it('smooths later samples with alpha 1/8 and beta 1/4 (2.3)', () => {
    const rto = make();
    rto.sample(100);
    rto.sample(200);
    expect(rto.rttvar).toBe(0.75 * 50 + 0.25 * 100);
    expect(rto.srtt).toBe(0.875 * 100 + 0.125 * 200);
    expect(rto.rto).toBeCloseTo(112.5 + 4 * 62.5);
    expect(rto.minRtt).toBe(100);
  });

  it('keeps the RTO within its bounds and doubles it per timeout up to the maximum (5.5)', () => {
    const rto = make();
    for (let i = 0; i < 50; i++) rto.sample(1);
    expect(rto.rto).toBe(10);
    expect(rto.backedOff(0)).toBe(10);
    expect(rto.backedOff(3)).toBe(80);
    expect(rto.backedOff(40)).toBe(5000);
    rto.sample(Number.NaN);
    expect(rto.rto).toBe(10);
  });
});
