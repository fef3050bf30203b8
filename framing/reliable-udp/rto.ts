// The retransmission timeout, estimated from RTT samples as RFC 6298 specifies, with bounds and backoff.

export interface RtoOptions {
  /** RTO before the first sample. RFC 6298 says 1 s. */
  initialRto?: number;
  /** Floor of the RTO. RFC 6298 says 1 s; 200 ms (Linux TCP's) suits a LAN or a test harness better. */
  minRto?: number;
  /** Ceiling of the RTO, backoff included. */
  maxRto?: number;
}

/** Clock granularity G of RFC 6298 (2.4), in ms: timestamps are whole milliseconds. */
const GRANULARITY = 1;

export class RtoEstimator {
  srtt: number | undefined;
  rttvar = 0;
  /** Smallest RTT seen: the path's propagation delay, used to size the reordering window. */
  minRtt = Number.POSITIVE_INFINITY;
  private rtoValue: number;
  readonly minRto: number;
  readonly maxRto: number;

  constructor(opts: Required<RtoOptions>) {
    this.minRto = opts.minRto;
    this.maxRto = opts.maxRto;
    this.rtoValue = this.bound(opts.initialRto);
  }

  get rto(): number {
    return this.rtoValue;
  }

  /** Feed one RTT measurement (ms). */
  sample(rtt: number): void {
    if (!(rtt >= 0) || !Number.isFinite(rtt)) return;
    this.minRtt = Math.min(this.minRtt, rtt);
    if (this.srtt === undefined) {
      // (2.2) first measurement
      this.srtt = rtt;
      this.rttvar = rtt / 2;
    } else {
      // (2.3) beta = 1/4, alpha = 1/8; RTTVAR first, from the old SRTT
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - rtt);
      this.srtt = 0.875 * this.srtt + 0.125 * rtt;
    }
    this.rtoValue = this.bound(this.srtt + Math.max(GRANULARITY, 4 * this.rttvar));
  }

  /** The timeout for a segment that has already timed out `timeouts` times: doubled each time (5.5). */
  backedOff(timeouts: number): number {
    return Math.min(this.maxRto, this.rtoValue * 2 ** Math.min(timeouts, 30));
  }

  private bound(value: number): number {
    return Math.min(this.maxRto, Math.max(this.minRto, value));
  }
}
