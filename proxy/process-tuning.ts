// Settings for a process whose whole job is forwarding bytes (`wirefault proxy`, `wirefault serve`).
// They change the process, not one proxy: a library user or the scenario runner never calls this.
//
// Why (bench/README.md, "The throughput gap" and "Bounded memory"): every socket read allocates a
// fresh buffer of up to 64 KiB outside the JS heap, so a proxy moving 10 Gbit/s frees about
// 20 000 of them a second, and one moving little still leaves them for the garbage collector.
// - glibc: a batch of buffers freed by a scavenge at the top of the heap makes free() return the
//   memory to the kernel (trim); the next batch faults it back in page by page: ~150 000 page
//   faults per GiB forwarded. Raising the trim threshold keeps that memory for reuse.
// - V8: it collects dead read buffers only once ~32 MiB of them pile up; a collector started here
//   collects them after 4 MiB (proxy/buffer-collector.ts), which bounds memory under slow links.
// Measured in one interleaved run (512 MiB, 9 runs each, the CLI bundled): pipe proxy 12.22 Gbit/s,
// wirefault with both 12.19; without the allocator setting 10.73 (7 runs). Peak RSS with 1 GiB
// through a 200 ms delay: 91 MiB; without the collector ~100.
//
// Not here any more: `--no-incremental-marking`. It fixed full collections every ~50 ms when the
// CLI ran through a TypeScript loader (a bigger heap, just above where incremental marking
// starts); with the bundled CLI it changes nothing in throughput (11.87 against 11.90 Gbit/s) and
// leaves old-generation garbage waiting for a full collection (+10 MiB at peak under the delay).
import { startBufferCollector } from './buffer-collector.ts';

/**
 * glibc raises its mmap threshold to the size of a freed mmapped block (up to 32 MiB) and its trim
 * threshold to twice that (mallopt(3), "dynamic mmap threshold"). 24 MiB gives a 48 MiB trim
 * threshold, above the ~32 MB of buffers one scavenge frees. Smaller is not enough: with an 8 MiB
 * block, 2 of 8 proxy processes still trimmed and faulted their memory back in (50 000-130 000
 * page faults per GiB against ~1 500, 9-11 Gbit/s against 12), 0 of 16 with 24 MiB.
 */
const THRESHOLD_BLOCK = 24 * 1024 * 1024;

let thresholdsRaised = false;

/** Tunes this process for forwarding; the caller owns the returned function, which stops the collector. */
export function tuneProcessForForwarding(): () => void {
  if (!thresholdsRaised) {
    thresholdsRaised = true;
    // Allocated and dropped at once: mmapped but never touched (no resident memory), freed at the
    // next scavenge, which raises the thresholds for the life of the process. On other allocators
    // (musl, macOS) this is one short-lived untouched allocation and nothing else.
    Buffer.allocUnsafeSlow(THRESHOLD_BLOCK);
  }
  return startBufferCollector();
}
