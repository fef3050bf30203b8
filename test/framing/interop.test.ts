// Interop with a Python 3 peer using the tutorials' struct.pack('i') + JSON header and struct.pack('!I').
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import type { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { jsonHeaderFraming, lengthFraming, readFrames, type JsonHeaderFrame } from '../../framing/index.ts';

let peer: ChildProcessByStdio<null, Readable, Readable> | undefined;

afterEach(() => {
  peer?.kill('SIGKILL');
  peer = undefined;
});

/** Start the Python peer in `mode` and connect to the port it prints. */
async function connectToPeer(mode: 'json-header' | 'length'): Promise<net.Socket> {
  const child = spawn('python3', ['test/fixtures/framing_peer.py', mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  peer = child;
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  const port = Number(line.toString().trim());
  if (!Number.isInteger(port) || port <= 0) throw new Error(`python peer did not print a port: ${line}${stderr}`);
  const socket = net.connect({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  return socket;
}

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');
/** Python's bytes.upper(): ASCII letters only. */
const upper = (b: Buffer) => Buffer.from(b.map((c) => (c >= 0x61 && c <= 0x7a ? c - 32 : c)));

const bodies = [Buffer.from('hello'), Buffer.from('feng'), Buffer.alloc(0), Buffer.alloc(70_000, 0x61), Buffer.from('ünïcode')];

describe('interop with Python struct.pack framings', () => {
  it("json-header: struct.pack('i', len(header)) + JSON header + body, both directions", async () => {
    const socket = await connectToPeer('json-header');
    const framing = jsonHeaderFraming();
    // All frames in one write: the Python side must cope with sticky packets too.
    socket.write(Buffer.concat(bodies.map((body, i) => framing.encode({ header: { file_name: `f${i}` }, body }))));
    const frames: JsonHeaderFrame[] = [];
    for await (const frame of readFrames(socket, framing.decoder())) {
      frames.push(frame);
      if (frames.length === 2 + bodies.length) socket.end();
    }
    const greeting = Buffer.from('héllo from python');
    expect(frames[0]).toEqual({ header: { file_name: 'grüße.txt', md5: md5(greeting), data_size: greeting.length }, body: greeting });
    expect(frames[1]).toEqual({ header: { file_name: 'empty', data_size: 0 }, body: Buffer.alloc(0) });
    bodies.forEach((body, i) => {
      const frame = frames[2 + i];
      expect(frame?.header).toEqual({ file_name: `f${i}`, md5: md5(body), received: body.length, data_size: body.length });
      expect(frame?.body).toEqual(upper(body));
    });
  });

  it("length: struct.pack('!I', n) + body, both directions", async () => {
    const socket = await connectToPeer('length');
    const framing = lengthFraming();
    for (const body of bodies) {
      // Split each frame in two writes: header and body arrive apart.
      const wire = framing.encode(body);
      socket.write(wire.subarray(0, 3));
      socket.write(wire.subarray(3));
    }
    const frames: Buffer[] = [];
    for await (const frame of readFrames(socket, framing.decoder())) {
      frames.push(frame);
      if (frames.length === 2 + bodies.length) socket.end();
    }
    expect(frames[0]?.toString()).toBe('héllo from python');
    expect(frames[1]).toEqual(Buffer.alloc(0));
    expect(frames.slice(2)).toEqual(bodies.map(upper));
  });
});
