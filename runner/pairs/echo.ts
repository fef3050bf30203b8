// `echo`: N seeded messages, echoed back upper-cased and verified (DESIGN §5).
import type { Socket } from 'node:net';
import { type BuiltinPair, type ClientReport, type PairContext, finalReport } from './contract.ts';
import { BoundaryRecorder } from './boundaries.ts';
import { codecFor } from './codecs.ts';
import { FrameReader } from './frames.ts';
import { makeMessages, upperAscii } from './messages.ts';
import { ReadClassifier, countReply, emptyMetrics } from './metrics.ts';
import { Receiver } from './recv.ts';
import { connectTcp, startTcpServer } from './tcp-server.ts';
import { ReadTimeoutError } from './waiter.ts';

async function serveNaive(socket: Socket, ctx: PairContext, stats: Record<string, number>): Promise<void> {
  // The tutorial server: `data = conn.recv(1024); if not data: break; conn.send(data.upper())`.
  const rx = new Receiver(socket);
  for (;;) {
    const data = await rx.recv(ctx.spec.recvBuffer);
    if (data === null) break;
    stats.reads = (stats.reads ?? 0) + 1;
    socket.write(upperAscii(data));
  }
  socket.end();
}

async function serveFramed(socket: Socket, ctx: PairContext, stats: Record<string, number>): Promise<void> {
  const codec = codecFor(ctx.framing);
  const frames = new FrameReader(socket, codec.decoder());
  for (;;) {
    const frame = await frames.next();
    if (frame === null) break;
    stats.frames = (stats.frames ?? 0) + 1;
    socket.write(codec.encode(upperAscii(frame)));
  }
  socket.end();
}

async function runClient(ctx: PairContext, target: Parameters<BuiltinPair['runClient']>[1]): Promise<ClientReport> {
  const { spec } = ctx;
  const started = performance.now();
  const m = emptyMetrics();
  const bodies = makeMessages(ctx.seed, spec.messages, spec.size.min, spec.size.max);
  const socket = await connectTcp(target, ctx.signal);
  const naive = ctx.framing === 'none';
  const codec = naive ? undefined : codecFor(ctx.framing);
  const classifier = new ReadClassifier(m);
  const rx = naive ? new Receiver(socket) : undefined;
  const frames = codec ? new FrameReader(socket, codec.decoder(), m, spec.recvBuffer) : undefined;
  let expectedBytes = 0;
  let ended = false;
  const bounds = new BoundaryRecorder();
  try {
    for (let i = 0; i < bodies.length && !ended; i += spec.burst) {
      const burst = bodies.slice(i, i + spec.burst);
      for (const body of burst) {
        const wire = codec ? codec.encode(body) : body;
        if (!codec) classifier.expect(wire.length);
        expectedBytes += wire.length;
        socket.write(wire);
        bounds.sent(wire.length);
        bounds.expected(wire.length); // the echo has the same framing and length
        m.sent++;
      }
      for (const body of burst) {
        const want = upperAscii(body);
        let got: Buffer | null;
        try {
          if (rx) {
            // One read is one message: all a naive client can do. If every byte already came
            // (glued into earlier reads), nothing more will: the message is lost, no waiting.
            if (rx.available === 0 && rx.total >= expectedBytes) got = null;
            else got = await rx.recv(spec.recvBuffer, spec.readTimeoutMs);
            if (got) classifier.read(got.length);
          } else {
            got = await frames!.next(spec.readTimeoutMs);
          }
        } catch (err) {
          if (!(err instanceof ReadTimeoutError)) ctx.log.debug({ err: (err as Error).message }, 'echo client read failed');
          got = null;
          if (!(err instanceof ReadTimeoutError)) ended = true;
        }
        if (got === null) continue;
        countReply(m, got.length, got.equals(want));
      }
    }
  } finally {
    socket.destroy();
  }
  return finalReport(m, started, bounds.value);
}

export const echo: BuiltinPair = {
  protocol: 'tcp',
  startServer(ctx, listen) {
    const stats: Record<string, number> = {};
    return startTcpServer(ctx, listen, stats, (socket) =>
      ctx.framing === 'none' ? serveNaive(socket, ctx, stats) : serveFramed(socket, ctx, stats),
    );
  },
  runClient,
};
