// Collects dead socket read buffers sooner than V8 would in a process that only forwards bytes.
//
// Why: every socket read allocates a fresh buffer (up to 64 KiB) outside the JS heap. V8 runs a
// young-generation collection for such buffers only once ~32 MiB of them have piled up (twice its
// default semi-space size), so a proxy whose links hold little — a 200 ms delay holds 4 MiB —
// still carries ~32 MiB of dead buffers and the allocator's fragments around them (bench/README.md,
// "Bounded memory"). Checking every CHECK_MS and collecting once GROWTH bytes of buffers have
// appeared bounds that to GROWTH plus what arrives in one period. At high rates V8's own trigger
// fires first and this adds at most 1000/CHECK_MS scavenges a second, each under a millisecond.
//
// CHECK_MS must stay above how long a link usually holds a buffer: a buffer alive at two
// collections is promoted to the old generation, where only a full collection frees it.
import v8 from 'node:v8';
import vm from 'node:vm';

const CHECK_MS = 250;
const GROWTH = 4 * 1024 * 1024;

type GcFunction = (options: { type: 'minor' | 'major' }) => void;

/** Starts the collector; the returned function stops it. */
export function startBufferCollector(): () => void {
  // V8's `gc` function, from a fresh context created after the flag is set: the documented flag,
  // without asking every user to start node with --expose-gc.
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as GcFunction;
  let floor = process.memoryUsage().arrayBuffers;
  const timer = setInterval(() => {
    const held = process.memoryUsage().arrayBuffers;
    // The lowest level seen since the last collection approximates what the links really hold.
    floor = Math.min(floor, held);
    if (held - floor < GROWTH) return;
    gc({ type: 'minor' });
    floor = process.memoryUsage().arrayBuffers;
  }, CHECK_MS);
  timer.unref();
  return () => clearInterval(timer);
}
