// The built-in pairs by name (names and framings are declared in scenario/pair-schema.ts).
import type { BuiltinName } from '../scenario/pair-schema.ts';
import type { BuiltinPair } from './contract.ts';
import { command } from './command.ts';
import { echo } from './echo.ts';
import { file } from './file.ts';
import { reliableUdp } from './reliable-udp.ts';
import { udpEcho, udpTime } from './udp-naive.ts';

export const PAIRS: Record<BuiltinName, BuiltinPair> = {
  echo,
  command,
  file,
  'udp-echo': udpEcho,
  'udp-time': udpTime,
  'reliable-udp': reliableUdp,
};
