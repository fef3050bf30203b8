// `command`: a fake remote-command service; outputs from bytes to MiB from a fixed table. Never runs a shell.
import type { Socket } from 'node:net';
import { Rng, mixSeed } from '../../proxy/index.ts';
import { type BuiltinPair, type ClientReport, type PairContext, finalReport } from './contract.ts';
import { BoundaryRecorder } from './boundaries.ts';
import { codecFor } from './codecs.ts';
import { FrameReader } from './frames.ts';
import { ReadClassifier, countReply, emptyMetrics } from './metrics.ts';
import { Receiver } from './recv.ts';
import { connectTcp, startTcpServer } from './tcp-server.ts';
import { ReadTimeoutError } from './waiter.ts';
import { PairProtocolError } from '../errors.ts';

/** The fixed table: command → output size. Sizes straddle the naive reader's 1024-byte buffer. */
export const COMMANDS: Record<string, number> = {
  whoami: 8,
  pwd: 24,
  date: 29,
  ls: 310,
  'uname -a': 96,
  ipconfig: 1_480,
  'netstat -an': 6_200,
  'ps aux': 23_000,
  'dir /s': 262_144,
  'cat big.log': 2 * 1024 * 1024,
};

const LINE = 'drwxr-xr-x  2 student staff  4096 Nov 23 12:00 ';

const outputs = new Map<string, Buffer>();

/** The deterministic output of a command: readable lines, exactly the table's size. */
export function commandOutput(cmd: string): Buffer {
  let out = outputs.get(cmd);
  if (!out) {
    out = generate(cmd);
    if (COMMANDS[cmd] !== undefined) outputs.set(cmd, out);
  }
  return out;
}

function generate(cmd: string): Buffer {
  const size = COMMANDS[cmd];
  if (size === undefined) return Buffer.from(`${JSON.stringify(cmd)}: command not found\n`);
  const out = Buffer.allocUnsafe(size);
  const rng = new Rng(mixSeed(0xc0de, ...Buffer.from(cmd)));
  let pos = 0;
  while (pos < size) {
    const line = `${LINE}file-${rng.int(0, 99_999)}.txt\n`;
    pos += out.write(line, pos, 'latin1');
  }
  out[size - 1] = 0x0a;
  return out;
}

const RECV_READY = Buffer.from('recv_ready');

async function serve(socket: Socket, ctx: PairContext, stats: Record<string, number>): Promise<void> {
  const reply = (cmd: string): Buffer => {
    stats.commands = (stats.commands ?? 0) + 1;
    return commandOutput(cmd.trim());
  };
  if (ctx.framing === 'none') {
    // Tutorial server: one recv(1024) is one command; the raw output goes back unframed.
    const rx = new Receiver(socket);
    for (;;) {
      const data = await rx.recv(ctx.spec.recvBuffer);
      if (data === null) break;
      socket.write(reply(data.toString('latin1')));
    }
  } else {
    // Commands always travel length-framed; the reply's framing is what the variants differ in.
    const commands = new FrameReader(socket, codecFor('length').decoder());
    const codec = ctx.framing === 'low' ? undefined : codecFor(ctx.framing);
    for (;;) {
      const frame = await commands.next();
      if (frame === null) break;
      const out = reply(frame.toString('latin1'));
      if (codec) {
        socket.write(codec.encode(out));
      } else {
        // The "low" fix: send the length, wait for the client's recv_ready, then the data.
        const len = Buffer.alloc(4);
        len.writeUInt32BE(out.length);
        socket.write(len);
        const ready = await commands.next();
        if (ready === null) break;
        if (!ready.equals(RECV_READY)) throw new PairProtocolError(`expected recv_ready, got ${JSON.stringify(ready.toString('latin1').slice(0, 40))}`);
        socket.write(out);
      }
    }
  }
  socket.end();
}

async function runClient(ctx: PairContext, target: Parameters<BuiltinPair['runClient']>[1]): Promise<ClientReport> {
  const { spec } = ctx;
  const started = performance.now();
  const m = emptyMetrics();
  const names = Object.keys(COMMANDS);
  const rng = new Rng(mixSeed(ctx.seed, 0xc3d));
  const socket = await connectTcp(target, ctx.signal);
  const lengthCodec = codecFor('length');
  const classifier = new ReadClassifier(m);
  const naive = ctx.framing === 'none';
  const low = ctx.framing === 'low';
  const rx = naive || low ? new Receiver(socket) : undefined;
  const frames = !rx ? new FrameReader(socket, codecFor(ctx.framing).decoder(), m, spec.recvBuffer) : undefined;
  const bounds = new BoundaryRecorder();
  try {
    for (let i = 0; i < spec.messages; i++) {
      const cmd = names[rng.int(0, names.length - 1)]!;
      const want = commandOutput(cmd);
      m.sent++;
      let got: Buffer | null = null;
      try {
        if (naive) {
          socket.write(cmd);
          bounds.sent(Buffer.byteLength(cmd, 'latin1'));
          bounds.expected(want.length);
          classifier.expect(want.length);
          // Tutorial client: `data = s.recv(1024)` and print it as the whole output.
          got = await rx!.recv(spec.recvBuffer, spec.readTimeoutMs);
          if (got) classifier.read(got.length);
        } else if (low) {
          socket.write(lengthCodec.encode(Buffer.from(cmd)));
          bounds.sent(4 + Buffer.byteLength(cmd));
          bounds.expected(4);
          const head = await rx!.recvExactly(4, spec.readTimeoutMs);
          if (head) {
            socket.write(lengthCodec.encode(RECV_READY));
            bounds.sent(4 + RECV_READY.length);
            bounds.expected(want.length);
            got = await rx!.recvExactly(head.readUInt32BE(0), spec.readTimeoutMs);
          }
        } else {
          socket.write(lengthCodec.encode(Buffer.from(cmd)));
          bounds.sent(4 + Buffer.byteLength(cmd));
          bounds.expected(codecFor(ctx.framing).encode(want).length);
          got = await frames!.next(spec.readTimeoutMs);
        }
      } catch (err) {
        if (!(err instanceof ReadTimeoutError)) {
          ctx.log.debug({ err: (err as Error).message }, 'command client read failed');
          break;
        }
      }
      if (got === null) continue;
      countReply(m, got.length, got.equals(want));
    }
  } finally {
    socket.destroy();
  }
  return finalReport(m, started, bounds.value);
}

export const command: BuiltinPair = {
  protocol: 'tcp',
  startServer(ctx, listen) {
    const stats: Record<string, number> = {};
    return startTcpServer(ctx, listen, stats, (socket) => serve(socket, ctx, stats));
  },
  runClient,
};
