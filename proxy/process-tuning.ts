// Settings for a process whose whole job is forwarding bytes (`wirefault proxy`, `wirefault serve`).
// They change the process, not one proxy: a library user or the scenario runner never calls this.
//
// Why (bench/README.md, "The throughput gap"): every socket read allocates a fresh 64 KiB buffer,
// so a proxy moving 10 Gbit/s frees about 20 000 of them a second. In the CLI's process two things
// then cost more than the forwarding itself, and the bare pipe proxy (a far smaller process) is
// spared both by luck of size and layout:
// - V8: with the old generation just above the 8 MB where incremental marking may start, V8 keeps
//   finding it near its limit while the traffic churns, and runs a full mark-compact every ~50 ms
//   (120 in 3.5 GiB forwarded; the pipe proxy's smaller heap: none), marking on both cores.
// - glibc: a batch of buffers freed by a scavenge at the top of the heap makes free() return the
//   memory to the kernel (trim); the next batch faults it back in page by page: ~150 000 page
//   faults per GiB forwarded.
// Measured in one interleaved run (512 MiB, 7 runs each): pipe proxy 11.7 Gbit/s; wirefault 6.7;
// with only the GC setting 8.7; with only the allocator setting 8.6; with both 11.2.
import v8 from 'node:v8';

/**
 * glibc raises its mmap threshold to the size of a freed mmapped block (up to 32 MiB) and its trim
 * threshold to twice that (mallopt(3), "dynamic mmap threshold"). 24 MiB gives a 48 MiB trim
 * threshold, above the ~32 MB of buffers one scavenge frees.
 */
const THRESHOLD_BLOCK = 24 * 1024 * 1024;

let tuned = false;

export function tuneProcessForForwarding(): void {
  if (tuned) return;
  tuned = true;
  // Without incremental marking V8 still collects the old generation, in one pause, when it
  // reaches its limit; a forwarding process keeps little there, so the pauses are a few ms.
  v8.setFlagsFromString('--no-incremental-marking');
  // Allocated and dropped at once: mmapped but never touched (no resident memory), freed at the
  // next scavenge, which raises the thresholds for the life of the process. On other allocators
  // (musl, macOS) this is one short-lived untouched allocation and nothing else.
  Buffer.allocUnsafeSlow(THRESHOLD_BLOCK);
}
