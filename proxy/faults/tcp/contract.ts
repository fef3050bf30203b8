// The contract between a TCP link and its faults: a fault sees the byte stream chunk by chunk.
import type { Rng } from '../../rng.ts';
import type { Timers } from '../../timers.ts';
import type { TraceKind } from '../../trace.ts';

/** How a direction of a connection ends. */
export type StreamEnd =
  | 'fin' // the source half-closed: forward FIN once queued bytes drain
  | 'half-close' // a fault ends this direction only; the other keeps flowing
  | 'close' // a fault closes the whole connection (FIN both ways)
  | 'reset'; // a fault resets the whole connection (RST both ways)

/** Where a fault hands its output: the next fault, or the sink socket. */
export interface StreamOut {
  push(chunk: Buffer): void;
  /** End the direction after everything pushed so far. Later pushes are discarded. */
  finish(how: Exclude<StreamEnd, 'fin'>): void;
}

export interface StreamContext {
  /** This fault's own generator: seeded from scenario seed, connection, direction, chain position. */
  readonly rng: Rng;
  readonly out: StreamOut;
  /** Timers that are cleared when the connection goes away. */
  readonly timers: Timers;
  /** Record bytes removed from the stream on purpose (they no longer count as held). */
  discard(offset: number, bytes: number, note: string): void;
  /** Record any other fault event for the trace. */
  note(kind: TraceKind, offset: number, size: number, note: string): void;
}

/**
 * One TCP fault. `write` is called with each chunk in order, never concurrently: the next call
 * waits for a returned promise, which is how split's gaps and throttle's pacing hold the stream.
 */
export interface StreamFault {
  /** `offset` is the position of `chunk`'s first byte in this fault's input stream. */
  write(chunk: Buffer, offset: number): void | Promise<void>;
  /** The input ended (FIN, or an earlier fault's half-close/close): release anything held. */
  end?(): void | Promise<void>;
}
