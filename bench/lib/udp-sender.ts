// The UDP benchmark's sender, in its own process so sending does not starve the receiving sink of
// the event loop. Reads one JSON command per stdin line, {"port","size","ms","rate"?}, sends
// `size`-byte datagrams to 127.0.0.1:port for `ms` (flat out with a window of sends in flight, or
// paced at `rate` per second) and answers {"sent": N} on stdout. Exits when stdin closes.
import dgram from 'node:dgram';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

/** Sends in flight at once: enough to keep the kernel busy, few enough not to queue in libuv. */
const WINDOW = 32;
/** No command may ask for longer than this. */
const MAX_MS = 60_000;

interface Command {
  port: number;
  size: number;
  ms: number;
  rate?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function run(cmd: Command): Promise<number> {
  const s = dgram.createSocket('udp4');
  s.on('error', () => {});
  s.connect(cmd.port, '127.0.0.1');
  await once(s, 'connect');
  const payload = Buffer.alloc(cmd.size, 0x75);
  const ms = Math.min(cmd.ms, MAX_MS);
  let sent = 0;
  const started = performance.now();
  try {
    if (cmd.rate === undefined) {
      let inFlight = 0;
      let wake: (() => void) | undefined;
      const done = (): void => {
        inFlight--;
        wake?.();
      };
      const waitForRoom = async (): Promise<void> => {
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
      };
      while (performance.now() - started < ms) {
        if (inFlight >= WINDOW) {
          await waitForRoom();
          continue;
        }
        inFlight++;
        sent++;
        s.send(payload, done);
      }
      while (inFlight > 0) await waitForRoom();
    } else {
      // Paced: every millisecond, send what is due by now.
      while (performance.now() - started < ms) {
        const due = Math.floor(((performance.now() - started) / 1000) * cmd.rate);
        for (; sent < due; sent++) s.send(payload);
        await sleep(1);
      }
      await sleep(5);
    }
  } finally {
    s.close();
  }
  return sent;
}

for await (const line of createInterface({ input: process.stdin })) {
  const sent = await run(JSON.parse(line) as Command);
  process.stdout.write(`${JSON.stringify({ sent })}\n`);
}
