// `file`: file transfer with a JSON header (file_name, file_size, md5), written to disk and verified.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { type BuiltinPair, type ClientReport, type PairContext, finalReport } from './contract.ts';
import { BoundaryRecorder } from './boundaries.ts';
import { jsonHeaderFraming } from './codecs.ts';
import { makeMessages } from './messages.ts';
import { countReply, emptyMetrics } from './metrics.ts';
import { FrameReader } from './frames.ts';
import { Receiver } from './recv.ts';
import { connectTcp, startTcpServer } from './tcp-server.ts';
import { ReadTimeoutError } from './waiter.ts';

interface FileHeader {
  file_name: string;
  file_size: number;
  md5: string;
}
interface Ack {
  file_name?: string;
  md5?: string;
  ok: boolean;
  error?: string;
}

const md5 = (data: Buffer): string => createHash('md5').update(data).digest('hex');

function parseHeader(data: Buffer): FileHeader | undefined {
  try {
    const h = JSON.parse(data.toString('utf8')) as Partial<FileHeader>;
    if (typeof h.file_name === 'string' && Number.isSafeInteger(h.file_size) && typeof h.md5 === 'string') return h as FileHeader;
  } catch {
    // Not JSON: the naive server got the header glued to (part of) the body.
  }
  return undefined;
}

/** Store a received file in `dir` and check it against its header, reading it back from disk. */
async function store(dir: string, header: FileHeader, body: Buffer): Promise<Ack> {
  const safe = path.basename(header.file_name) || 'unnamed';
  const file = path.join(dir, safe);
  await writeFile(file, body);
  const written = md5(await readFile(file));
  const ok = body.length === header.file_size && written === header.md5;
  return { file_name: header.file_name, md5: written, ok, ...(ok ? {} : { error: 'size or md5 mismatch' }) };
}

async function serve(socket: Socket, ctx: PairContext, dir: string, stats: Record<string, number>): Promise<void> {
  if (ctx.framing === 'none') {
    const rx = new Receiver(socket);
    for (;;) {
      // Tutorial server: the header is whatever the first recv(1024) returns.
      const data = await rx.recv(ctx.spec.recvBuffer);
      if (data === null) break;
      const header = parseHeader(data);
      if (!header) {
        stats.bad_headers = (stats.bad_headers ?? 0) + 1;
        socket.write(JSON.stringify({ ok: false, error: 'bad header' } satisfies Ack));
        continue;
      }
      const body = await rx.recvExactly(header.file_size);
      if (body === null) break;
      stats.files = (stats.files ?? 0) + 1;
      socket.write(JSON.stringify(await store(dir, header, body)));
    }
  } else {
    const codec = jsonHeaderFraming();
    const frames = new FrameReader(socket, codec.decoder());
    for (;;) {
      const frame = await frames.next();
      if (frame === null) break;
      const h = frame.header as Partial<FileHeader>;
      const ack: Ack =
        typeof h.file_name === 'string' && typeof h.md5 === 'string' && Number.isSafeInteger(h.file_size)
          ? await store(dir, h as FileHeader, frame.body)
          : { ok: false, error: 'header lacks file_name, file_size or md5' };
      stats.files = (stats.files ?? 0) + 1;
      socket.write(codec.encode({ header: { ...ack }, body: Buffer.alloc(0) }));
    }
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
  const rx = naive ? new Receiver(socket) : undefined;
  const codec = jsonHeaderFraming();
  const frames = naive ? undefined : new FrameReader(socket, codec.decoder(), m, spec.recvBuffer);
  const bounds = new BoundaryRecorder(); // upstream only: the acks' lengths are the server's to choose
  try {
    for (let i = 0; i < bodies.length; i++) {
      const body = bodies[i]!;
      const header: FileHeader = { file_name: `file-${i}.bin`, file_size: body.length, md5: md5(body) };
      m.sent++;
      let ack: Ack | undefined;
      try {
        if (rx) {
          const head = JSON.stringify(header);
          socket.write(head);
          socket.write(body);
          bounds.sent(Buffer.byteLength(head));
          bounds.sent(body.length);
          const reply = await rx.recv(spec.recvBuffer, spec.readTimeoutMs);
          if (reply === null) break;
          try {
            ack = JSON.parse(reply.toString('utf8')) as Ack;
          } catch {
            ack = { ok: false, error: 'unreadable ack' };
          }
        } else {
          const wire = codec.encode({ header: { ...header }, body });
          socket.write(wire);
          bounds.sent(wire.length);
          const frame = await frames!.next(spec.readTimeoutMs);
          if (frame === null) break;
          ack = frame.header as unknown as Ack;
        }
      } catch (err) {
        if (err instanceof ReadTimeoutError) continue;
        ctx.log.debug({ err: (err as Error).message }, 'file client read failed');
        break;
      }
      countReply(m, body.length, ack.ok && ack.md5 === header.md5 && ack.file_name === header.file_name);
    }
  } finally {
    socket.destroy();
  }
  return finalReport(m, started, bounds.value);
}

export const file: BuiltinPair = {
  protocol: 'tcp',
  async startServer(ctx, listen) {
    const stats: Record<string, number> = {};
    const dir = await mkdtemp(path.join(os.tmpdir(), 'wirefault-files-'));
    const server = await startTcpServer(ctx, listen, stats, (socket) => serve(socket, ctx, dir, stats));
    return {
      ...server,
      async close() {
        await server.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
  runClient,
};
