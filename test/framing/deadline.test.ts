// The per-frame deadline: a frame must complete within N ms of its first byte, however it trickles in.
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FrameDeadline, FrameDecoderStream, LengthDecoder, LineDecoder, encodeLengthFrame, readFrames } from '../../framing/index.ts';
import { codeOf } from './codes.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('FrameDeadline', () => {
  it('expires a frame that trickles in one byte at a time, progress notwithstanding', () => {
    vi.useFakeTimers();
    const expired: string[] = [];
    const deadline = new FrameDeadline(100, (err) => expired.push(err.code));
    const decoder = new LineDecoder();
    for (let t = 0; t < 90; t += 10) {
      deadline.push(decoder, Buffer.from('x'), () => {});
      vi.advanceTimersByTime(10);
    }
    deadline.push(decoder, Buffer.from('x'), () => {});
    vi.advanceTimersByTime(9);
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(expired).toEqual(['ERR_FRAME_DEADLINE']);
  });

  it('restarts for a frame that begins in the chunk that completed the previous one, stops when idle', () => {
    vi.useFakeTimers();
    const expired: string[] = [];
    const deadline = new FrameDeadline(100, (err) => expired.push(err.code));
    const decoder = new LineDecoder();
    deadline.push(decoder, Buffer.from('ab'), () => {});
    vi.advanceTimersByTime(90);
    deadline.push(decoder, Buffer.from('c\nde'), () => {});
    vi.advanceTimersByTime(90);
    expect(expired).toEqual([]);
    deadline.push(decoder, Buffer.from('\n'), () => {});
    vi.advanceTimersByTime(1000);
    expect(expired).toEqual([]);
    expect(codeOf(() => new FrameDeadline(0, () => {}))).toBe('ERR_FRAMING_OPTION');
  });

  it('destroys a FrameDecoderStream whose frame is late', async () => {
    vi.useFakeTimers();
    const stream = new FrameDecoderStream(new LengthDecoder(), { frameDeadlineMs: 50 });
    const failed = once(stream, 'error');
    stream.write(encodeLengthFrame(Buffer.from('late')).subarray(0, 6));
    vi.advanceTimersByTime(50);
    const [err] = (await failed) as [{ code: string }];
    expect(err.code).toBe('ERR_FRAME_DEADLINE');
  });
});

describe('readFrames with a deadline on a real socket', () => {
  it('drops a peer that sends one byte and stalls', async () => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const accepted = once(server, 'connection') as Promise<[net.Socket]>;
      const client = net.connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port });
      const [socket] = await accepted;
      const clientClosed = once(client, 'close');
      client.on('error', () => {});
      client.write(Buffer.from([0]));
      const reading = (async () => {
        for await (const _ of readFrames(socket, new LengthDecoder(), { frameDeadlineMs: 50 }));
      })();
      await expect(reading).rejects.toMatchObject({ code: 'ERR_FRAME_DEADLINE' });
      expect(socket.destroyed).toBe(true);
      await clientClosed;
    } finally {
      server.close();
    }
  });
});
