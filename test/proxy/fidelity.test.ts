// The proxy invariant of DESIGN §4: with only split/coalesce/delay/throttle in both directions,
// the bytes out equal the bytes in, whatever the seed and the chain — through real sockets.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, connect, echoServer, sha256, startProxy, type Server } from '../helpers/net.ts';

/** Time-based options are kept small so 200 runs stay fast; they change when, never what. */
const fault = fc.oneof(
  fc
    .record({ min: fc.integer({ min: 1, max: 4096 }), span: fc.integer({ min: 0, max: 8192 }), gap: fc.constantFrom(0, 0, 0, 1) })
    .map(({ min, span, gap }) => ({ split: { min, max: min + span, ...(gap && min >= 2048 ? { gap_ms: gap } : {}) } })),
  fc.integer({ min: 1, max: 8192 }).map((size) => ({ split: { size: Math.max(size, 64) } })),
  fc
    .record({ bytes: fc.integer({ min: 1, max: 100_000 }), window_ms: fc.integer({ min: 0, max: 2 }) })
    .map((o) => ({ coalesce: o })),
  fc
    .record({ ms: fc.integer({ min: 0, max: 2 }), jitter_ms: fc.integer({ min: 0, max: 2 }) })
    .map((o) => ({ delay: o })),
  fc.integer({ min: 5_000_000, max: 50_000_000 }).map((bytes_per_sec) => ({ throttle: { bytes_per_sec } })),
);

const chain = fc.array(fault, { minLength: 0, maxLength: 3 });

describe('byte fidelity (property)', () => {
  let server: Server;
  beforeAll(async () => {
    server = await echoServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('sha256 of what comes back equals what was sent, for 200 seeds and chains', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        chain,
        chain,
        fc.noBias(fc.integer({ min: 1, max: 64 * 1024 })),
        fc.array(fc.integer({ min: 1, max: 16 * 1024 }), { minLength: 1, maxLength: 8 }),
        async (seed, upstream, downstream, size, cuts) => {
          const { proxy, port } = await startProxy({ upstream, downstream }, server.port, seed);
          const client = await connect(port);
          try {
            const payload = Buffer.alloc(size);
            for (let i = 0; i < size; i++) payload[i] = (i * 31 + seed) & 0xff;
            const echoed = collect(client);
            // The client's own write sizes vary too: boundaries must not matter.
            let pos = 0;
            for (let i = 0; pos < size; i++) {
              const n = cuts[i % cuts.length]!;
              client.write(payload.subarray(pos, pos + n));
              pos += n;
            }
            client.end();
            const got = await echoed;
            expect(got.error).toBeUndefined();
            expect(got.data.length).toBe(size);
            expect(sha256(got.data)).toBe(sha256(payload));
          } finally {
            client.destroy();
            await proxy.close();
          }
        },
      ),
      { numRuns: 200 },
    );
  }, 60_000);
});
