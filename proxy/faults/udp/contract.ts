// The contract between a datagram link and its faults: a fault decides each datagram's fate, no I/O.
//
// A UDP fault is a pure state machine: it is handed one datagram at a time together with the
// link's clock, and answers with what leaves it and when. It owns no socket and no timer, so
// its decisions can be run directly (hundreds of thousands of datagrams in milliseconds) by the
// statistical tests, and the link alone owns the timers that carry out "later".
import type { Rng } from '../../rng.ts';
import type { TraceKind } from '../../trace.ts';

/** One datagram on its way through a link. Never merged with or split from another. */
export interface Datagram {
  data: Buffer;
  /**
   * The datagram's number in its session and direction (0-based, in arrival order at the
   * proxy). Copies keep their original's number, so traces and tests can follow them.
   */
  index: number;
}

/** A datagram leaving a fault: now, or at a time on the link's clock. */
export interface Emission {
  datagram: Datagram;
  /** Milliseconds on the link's clock (the `now` passed in). Absent or ≤ now: at once. */
  at?: number;
}

export interface DatagramContext {
  /** This fault's own generator: seeded from scenario seed, session, direction, chain position. */
  readonly rng: Rng;
  /** Record a datagram removed on purpose (a drop, a full queue): traced as `drop`. */
  discard(datagram: Datagram, note: string): void;
  /** Record any other fault event for the trace (its offset is the datagram's index). */
  note(kind: TraceKind, index: number, size: number, note: string): void;
  /**
   * Whether the link may hold `bytes` more (its max_buffer bound). A fault that holds datagrams
   * itself (reorder) asks before holding one; when told no, it lets the datagram through.
   */
  room(bytes: number): boolean;
}

/**
 * One UDP fault. `process` is called with each datagram in the order it reaches the fault;
 * the decisions it draws are keyed to that order (the n-th call draws the n-th decisions),
 * never to the clock. Only `now`-based faults (delay, throttle) use the clock, and they change
 * when a datagram leaves — except throttle's tail drop, which depends on arrival times by nature.
 */
export interface DatagramFault {
  /** The fate of one datagram arriving at `now`: nothing (dropped), itself, copies, held ones. */
  process(datagram: Datagram, now: number): Emission[];
  /**
   * Faults that hold datagrams back until something happens (reorder) also release them after
   * a while: the link calls `release(now)` at `nextRelease()`.
   */
  nextRelease?(): number | undefined;
  release?(now: number): Emission[];
  /** What the fault holds itself (not counting emissions scheduled for later, the link holds those). */
  held?(): { bytes: number; count: number };
}

/** The usual answer: the datagram leaves at once, unchanged. */
export function pass(datagram: Datagram): Emission[] {
  return [{ datagram }];
}
