// Where a built-in client's messages end in each direction, so the report can mark them on the timeline.

/** Offsets kept per direction; a long run only counts the rest (summary.json stays small). */
export const MAX_BOUNDARIES = 2_000;

export interface MessageBoundaries {
  /** Stream offsets (client → server) at which each message the client sent ends, in order. */
  upstream: number[];
  /** Stream offsets (server → client) at which each message the client expects back ends. */
  downstream: number[];
  /** Boundaries past MAX_BOUNDARIES in either direction, counted only. */
  omitted: number;
}

export class BoundaryRecorder {
  private up = 0;
  private down = 0;
  readonly value: MessageBoundaries = { upstream: [], downstream: [], omitted: 0 };

  /** The client wrote a message of `length` bytes. */
  sent(length: number): void {
    this.up += length;
    this.keep(this.value.upstream, this.up);
  }

  /** The client expects a message of `length` bytes back. */
  expected(length: number): void {
    this.down += length;
    this.keep(this.value.downstream, this.down);
  }

  private keep(list: number[], end: number): void {
    if (list.length < MAX_BOUNDARIES) list.push(end);
    else this.value.omitted++;
  }
}
