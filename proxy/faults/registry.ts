// The fault registries: a fault's name in a scenario maps to its definition here, one line each.
import { blackhole } from './tcp/blackhole.ts';
import { close } from './tcp/close.ts';
import { coalesce } from './tcp/coalesce.ts';
import { corrupt } from './tcp/corrupt.ts';
import { delay } from './tcp/delay.ts';
import { drop } from './tcp/drop.ts';
import { limit } from './tcp/limit.ts';
import { reset } from './tcp/reset.ts';
import { slowClose } from './tcp/slow-close.ts';
import { split } from './tcp/split.ts';
import { throttle } from './tcp/throttle.ts';
import { corrupt as udpCorrupt } from './udp/corrupt.ts';
import { delay as udpDelay } from './udp/delay.ts';
import { drop as udpDrop } from './udp/drop.ts';
import { duplicate as udpDuplicate } from './udp/duplicate.ts';
import { reorder as udpReorder } from './udp/reorder.ts';
import { throttle as udpThrottle } from './udp/throttle.ts';
import { truncate as udpTruncate } from './udp/truncate.ts';

/** TCP (byte stream) faults, DESIGN §4. */
export const TCP_FAULTS = {
  split,
  coalesce,
  delay,
  throttle,
  drop,
  corrupt,
  reset,
  close,
  blackhole,
  limit,
  slow_close: slowClose,
} as const;

/** UDP (datagram) faults, DESIGN §4. */
export const UDP_FAULTS = {
  drop: udpDrop,
  duplicate: udpDuplicate,
  reorder: udpReorder,
  delay: udpDelay,
  truncate: udpTruncate,
  corrupt: udpCorrupt,
  throttle: udpThrottle,
} as const;

export type TcpFaultName = keyof typeof TCP_FAULTS;
export type UdpFaultName = keyof typeof UDP_FAULTS;
