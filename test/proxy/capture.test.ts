// Packet capture: pcapng structure, TCP/UDP legs Wireshark accepts, fault comments, the payload budget, a live proxy.
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Capture } from '../../proxy/capture.ts';
import { proxyConfig } from '../../proxy/config.ts';
import { TcpProxy } from '../../proxy/tcp.ts';
import { collect, connect, echoServer } from '../helpers/net.ts';
import { run, skipWithout } from '../runner/reporters/tools.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'wirefault-capture-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A capture kept in memory, on a clock that advances 10 µs per packet. */
function memoryCapture(opts: { maxPayloadBytes?: number } = {}) {
  const blocks: Buffer[] = [];
  let now = 1_700_000_000_000_000;
  const capture = new Capture({ write: (b) => blocks.push(b), clockUs: () => (now += 10), comment: 'test', ...opts });
  return { capture, bytes: () => Buffer.concat(blocks) };
}

const sockets = {
  client: { remoteAddress: '127.0.0.1', remotePort: 50000, localAddress: '127.0.0.1', localPort: 7000 },
  server: { localAddress: '127.0.0.1', localPort: 50001, remoteAddress: '127.0.0.1', remotePort: 9000 },
};

/** Walk the pcapng blocks: type and length of each, checking the trailing length matches. */
function blocks(buf: Buffer): { type: number; length: number; body: Buffer }[] {
  const out = [];
  for (let pos = 0; pos < buf.length; ) {
    const type = buf.readUInt32LE(pos);
    const length = buf.readUInt32LE(pos + 4);
    expect(length % 4).toBe(0);
    expect(buf.readUInt32LE(pos + length - 4)).toBe(length);
    out.push({ type, length, body: buf.subarray(pos + 8, pos + length - 4) });
    pos += length;
  }
  return out;
}

function save(name: string, data: Buffer): string {
  const file = path.join(tmp, name);
  writeFileSync(file, data);
  return file;
}

function fields(file: string, filter: string, ...names: string[]): string[][] {
  const args = ['-r', file, '-Y', filter, '-T', 'fields', ...names.flatMap((n) => ['-e', n])];
  const r = run('tshark', args);
  expect(r.status).toBe(0);
  return r.stdout.split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
}

describe('pcapng structure', () => {
  it('a section header, one interface per leg, then packets with the clock\'s timestamps', () => {
    const { capture, bytes } = memoryCapture();
    const up = capture.tcpTap({ index: 0, ...sockets }, 'upstream');
    up.in(Buffer.from('hello'));
    up.out(Buffer.from('hello'));
    capture.endTcp(0);
    capture.close();
    const list = blocks(bytes());
    expect(list.map((b) => b.type).slice(0, 3)).toEqual([0x0a0d0d0a, 1, 1]);
    expect(list[0]!.body.readUInt32LE(0)).toBe(0x1a2b3c4d);
    const packets = list.filter((b) => b.type === 6);
    // 2 handshakes (3 each) + 2 data with their ACKs + 4 FINs with their ACKs.
    expect(packets).toHaveLength(6 + 4 + 8);
    expect(capture.packets).toBe(packets.length);
    const ts = packets.map((p) => p.body.readUInt32LE(4) * 2 ** 32 + p.body.readUInt32LE(8));
    expect(ts[1]! - ts[0]!).toBe(10);
  });
});

describe.skipIf(skipWithout('tshark'))('what tshark reads', () => {
  it('TCP legs: handshake, data, FIN, consistent seq/ack and checksums, fault comments on the next packet out', () => {
    const { capture, bytes } = memoryCapture();
    const up = capture.tcpTap({ index: 0, ...sockets }, 'upstream');
    const down = capture.tcpTap({ index: 0, ...sockets }, 'downstream');
    const upTrace = up.trace();
    up.in(Buffer.from('hellofeng'));
    upTrace.record('drop', 5, 4, 'drop');
    up.out(Buffer.from('hello'));
    down.in(Buffer.from('HELLO'));
    down.out(Buffer.from('HEL'));
    down.out(Buffer.from('LO'));
    down.trace().record('end', 5, 0, 'half-close');
    capture.endTcp(0);
    const file = save('tcp.pcapng', bytes());

    const check = ['-o', 'tcp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE'];
    const expert = run('tshark', [...check, '-r', file, '-q', '-z', 'expert,warn']).stdout;
    expect(expert).not.toMatch(/Warns|Errors/);
    const streams = fields(file, 'tcp.flags.syn == 1 && tcp.flags.ack == 0', 'tcp.stream', 'tcp.srcport', 'tcp.dstport');
    expect(streams).toEqual([
      ['0', '50000', '7000'],
      ['1', '50001', '9000'],
    ]);
    const data = fields(file, 'tcp.len > 0', 'tcp.stream', 'tcp.seq', 'tcp.payload');
    expect(data).toEqual([
      ['0', '1', Buffer.from('hellofeng').toString('hex')],
      ['1', '1', Buffer.from('hello').toString('hex')],
      ['1', '1', Buffer.from('HELLO').toString('hex')],
      ['0', '1', Buffer.from('HEL').toString('hex')],
      ['0', '4', Buffer.from('LO').toString('hex')],
    ]);
    const comments = fields(file, 'frame.comment', 'tcp.stream', 'tcp.payload', 'frame.comment');
    expect(comments).toContainEqual(['1', Buffer.from('hello').toString('hex'), 'wirefault: upstream drop: 4 bytes at 5 (drop)']);
    expect(comments.some(([s, , c]) => s === '0' && c === 'wirefault: downstream ended (half-close)')).toBe(true);
    const fins = fields(file, 'tcp.flags.fin == 1', 'tcp.stream');
    expect(fins).toHaveLength(4);
  });

  it('UDP legs: one packet per datagram each way, duplicates and drops as they happened', () => {
    const { capture, bytes } = memoryCapture();
    const addr = (port: number) => ({ host: '127.0.0.1', port });
    const session = { index: 0, client: addr(40000), proxyFront: addr(7001), proxyBack: addr(40001), server: addr(9001) };
    const up = capture.udpTap(session, 'upstream');
    const down = capture.udpTap(session, 'downstream');
    const trace = up.trace();
    for (let i = 0; i < 5; i++) up.in(Buffer.from(`ping ${i}`));
    trace.record('drop', 2, 6, 'drop');
    for (const i of [0, 1, 3, 4]) up.out(Buffer.from(`ping ${i}`));
    up.out(Buffer.from('ping 4')); // a duplicate
    for (const i of [0, 1, 3, 4]) {
      down.in(Buffer.from(`PONG ${i}`));
      down.out(Buffer.from(`PONG ${i}`));
    }
    capture.close();
    const file = save('udp.pcapng', bytes());
    const rows = fields(file, 'udp', 'udp.srcport', 'udp.dstport', 'data.data');
    const hex = (s: string) => Buffer.from(s).toString('hex');
    expect(rows.filter(([s, d]) => s === '40000' && d === '7001')).toHaveLength(5);
    expect(rows.filter(([s, d]) => s === '40001' && d === '9001').map((r) => r[2])).toEqual(['ping 0', 'ping 1', 'ping 3', 'ping 4', 'ping 4'].map(hex));
    expect(rows.filter(([s]) => s === '7001')).toHaveLength(4);
    const comments = fields(file, 'frame.comment', 'udp.dstport', 'frame.comment');
    expect(comments).toEqual([['9001', 'wirefault: upstream drop: 6 bytes at 2 (drop)']]);
  });

  it('keeps payloads up to the budget, then headers only, and says so', () => {
    const { capture, bytes } = memoryCapture({ maxPayloadBytes: 100 });
    const up = capture.tcpTap({ index: 0, ...sockets }, 'upstream');
    for (let i = 0; i < 3; i++) up.in(Buffer.alloc(80, 0x61 + i));
    capture.close();
    expect(capture.snappedBytes).toBe(160);
    const file = save('budget.pcapng', bytes());
    const rows = fields(file, 'tcp.len > 0', 'frame.cap_len', 'frame.len');
    expect(rows).toEqual([
      ['120', '120'],
      ['40', '120'],
      ['40', '120'],
    ]);
    expect(fields(file, 'frame.comment contains "budget"', 'frame.number')).toHaveLength(1);
  });

  it('a live proxy with a capture: both legs carry the bytes each peer sent, split as the fault split them', async () => {
    const server = await echoServer();
    const blocksOut: Buffer[] = [];
    const capture = new Capture({ write: (b) => blocksOut.push(b) });
    const config = proxyConfig({ upstream: [{ split: { size: 7 } }] }, 'tcp');
    const proxy = new TcpProxy({ config, target: { host: '127.0.0.1', port: server.port }, seed: 1, capture });
    proxy.on('closed', (conn) => capture.endTcp(conn.index));
    const { port } = await proxy.listen();
    try {
      const client = await connect(port);
      const got = collect(client);
      const payload = Buffer.from('the quick brown fox jumps over the lazy dog');
      client.end(payload);
      expect((await got).data.equals(payload)).toBe(true);
      if (proxy.connections.size > 0) await once(proxy, 'closed');
    } finally {
      await proxy.close();
      await server.close();
      capture.close();
    }
    const file = save('live.pcapng', Buffer.concat(blocksOut));
    const seg = fields(file, 'tcp.len > 0', 'tcp.stream', 'tcp.srcport', 'tcp.len', 'tcp.payload');
    const serverLegOut = seg.filter(([s, src]) => s === '1' && src !== String(server.port));
    expect(serverLegOut.map((r) => Number(r[2]))).toEqual([7, 7, 7, 7, 7, 7, 1]);
    const clientLegIn = seg.filter(([s, src]) => s === '0' && src !== String(port));
    expect(Buffer.concat(clientLegIn.map((r) => Buffer.from(r[3]!, 'hex'))).toString()).toBe('the quick brown fox jumps over the lazy dog');
    expect(fields(file, 'tcp.flags.fin == 1', 'tcp.stream')).toHaveLength(4);
  });
});
