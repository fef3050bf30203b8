// Stream adapters: sockets read as messages, with backpressure, truncation and early exit handled.
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, describe, expect, it } from 'vitest';
import {
  FrameDecoderStream,
  FrameEncoderStream,
  LengthDecoder,
  LineDecoder,
  encodeLengthFrame,
  lengthFraming,
  lineFraming,
  readFrames,
} from '../../framing/index.ts';
import { mulberry32 } from '../../framing/reliable-udp/random.ts';

const owned: { close(): void }[] = [];
afterEach(() => {
  for (const o of owned.splice(0)) o.close();
});

/** A loopback server whose first connection is handed over, and a client connected to it. */
async function socketPair(): Promise<{ server: net.Socket; client: net.Socket }> {
  const listener = net.createServer();
  owned.push({ close: () => listener.close() });
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const accepted = once(listener, 'connection') as Promise<[net.Socket]>;
  const client = net.connect({ host: '127.0.0.1', port: (listener.address() as AddressInfo).port });
  const [server] = await accepted;
  owned.push({ close: () => client.destroy() }, { close: () => server.destroy() });
  return { server, client };
}

/** Write `bytes` in seeded random pieces, with pauses for the socket to drain. */
async function writeInPieces(socket: net.Socket, bytes: Buffer, seed: number): Promise<void> {
  const random = mulberry32(seed);
  for (let at = 0; at < bytes.length; ) {
    const n = 1 + Math.floor(random() * 3000);
    if (!socket.write(bytes.subarray(at, at + n))) await once(socket, 'drain');
    at += n;
  }
}

describe('FrameDecoderStream', () => {
  it('reads a real socket as messages however the bytes are cut', async () => {
    const { server, client } = await socketPair();
    const framing = lengthFraming();
    const messages = Array.from({ length: 200 }, (_, i) => Buffer.alloc((i * 37) % 5000, i));
    const received: Buffer[] = [];
    const done = pipeline(server, new FrameDecoderStream(framing.decoder()), async (frames: AsyncIterable<Buffer>) => {
      for await (const f of frames) received.push(f);
    });
    await writeInPieces(client, Buffer.concat(messages.map((m) => framing.encode(m))), 11);
    client.end();
    await done;
    expect(received).toEqual(messages);
  });

  it('passes empty frames on as frames', async () => {
    const frames: string[] = [];
    for await (const f of Readable.from([Buffer.from('a\n\n\nb\n')]).pipe(new FrameDecoderStream(new LineDecoder()))) {
      frames.push((f as Buffer).toString());
    }
    expect(frames).toEqual(['a', '', '', 'b']);
  });

  it('fails with ERR_FRAME_TRUNCATED when the peer closes inside a frame', async () => {
    const { server, client } = await socketPair();
    const decoded = pipeline(server, new FrameDecoderStream(new LengthDecoder()), async (frames: AsyncIterable<Buffer>) => {
      for await (const _ of frames);
    });
    client.end(encodeLengthFrame(Buffer.from('whole')).subarray(0, 7));
    await expect(decoded).rejects.toMatchObject({ code: 'ERR_FRAME_TRUNCATED' });
  });

  it('stops taking bytes while its readable side is full (backpressure)', async () => {
    const stream = new FrameDecoderStream(new LengthDecoder(), { highWaterMark: 2 });
    const tenFrames = Buffer.concat(Array.from({ length: 10 }, () => encodeLengthFrame(Buffer.from('x'))));
    let written = 0;
    stream.write(tenFrames, () => written++);
    stream.write(tenFrames, () => written++);
    // The first chunk was decoded, but its ten unread frames keep it (and the second chunk) unacknowledged.
    expect(stream.readableLength).toBe(10);
    expect(stream.writableLength).toBe(2 * tenFrames.length);
    const frames: Buffer[] = [];
    stream.end();
    for await (const f of stream) frames.push(f as Buffer);
    expect(frames).toHaveLength(20);
    expect(written).toBe(2);
  });
});

describe('FrameEncoderStream', () => {
  it('turns messages into framed bytes and errors on a message the framing refuses', async () => {
    const framing = lineFraming();
    const chunks: Buffer[] = [];
    await pipeline(Readable.from(['a', 'bc']), new FrameEncoderStream(framing.encode), async (bytes: AsyncIterable<Buffer>) => {
      for await (const c of bytes) chunks.push(c);
    });
    expect(Buffer.concat(chunks).toString()).toBe('a\nbc\n');
    const bad = pipeline(Readable.from(['a\nb']), new FrameEncoderStream(framing.encode), async (bytes: AsyncIterable<Buffer>) => {
      for await (const _ of bytes);
    });
    await expect(bad).rejects.toMatchObject({ code: 'ERR_DELIMITER_IN_BODY' });
  });
});

describe('readFrames', () => {
  /** An async source of chunks that counts how many were pulled and whether it was closed. */
  function countingSource(chunks: Buffer[]) {
    const state = { pulled: 0, returned: false };
    const source = {
      [Symbol.asyncIterator]: async function* () {
        try {
          for (const c of chunks) {
            state.pulled++;
            yield c;
          }
        } finally {
          state.returned = true;
        }
      },
    };
    return { source, state };
  }

  it('pulls a chunk only when the consumer wants more frames, and closes the source on early exit', async () => {
    const twoFrames = Buffer.concat([encodeLengthFrame(Buffer.from('a')), encodeLengthFrame(Buffer.from('b'))]);
    const { source, state } = countingSource([twoFrames, twoFrames, twoFrames]);
    const frames = readFrames(source, new LengthDecoder());
    expect((await frames.next()).value).toEqual(Buffer.from('a'));
    expect((await frames.next()).value).toEqual(Buffer.from('b'));
    expect(state.pulled).toBe(1);
    await frames.return();
    expect(state.returned).toBe(true);
  });

  it('yields the frames before bad bytes, then throws the coded error', async () => {
    const chunk = Buffer.concat([encodeLengthFrame(Buffer.from('ok')), Buffer.from([0xff, 0xff, 0xff, 0xff])]);
    const { source } = countingSource([chunk]);
    const got: string[] = [];
    const run = (async () => {
      for await (const f of readFrames(source, new LengthDecoder())) got.push(f.toString());
    })();
    await expect(run).rejects.toMatchObject({ code: 'ERR_FRAME_TOO_LARGE' });
    expect(got).toEqual(['ok']);
  });

  it('throws ERR_FRAME_TRUNCATED when the source ends mid-frame', async () => {
    const { source } = countingSource([Buffer.from([0, 0, 0, 5, 1])]);
    const run = (async () => {
      for await (const _ of readFrames(source, new LengthDecoder()));
    })();
    await expect(run).rejects.toMatchObject({ code: 'ERR_FRAME_TRUNCATED' });
  });
});
