// The fault registries: a fault's name in a scenario maps to its definition here, one line each.
import { blackhole } from './tcp/blackhole.ts';
import { close } from './tcp/close.ts';
import { coalesce } from './tcp/coalesce.ts';
import { corrupt } from './tcp/corrupt.ts';
import { delay } from './tcp/delay.ts';
import { drop } from './tcp/drop.ts';
import { limit } from './tcp/limit.ts';
import { reset } from './tcp/reset.ts';
import { split } from './tcp/split.ts';
import { throttle } from './tcp/throttle.ts';

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
} as const;

/** UDP (datagram) faults, DESIGN §4. */
export const UDP_FAULTS = {} as const;

export type TcpFaultName = keyof typeof TCP_FAULTS;
export type UdpFaultName = keyof typeof UDP_FAULTS;
