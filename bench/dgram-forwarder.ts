// Baseline: the barest Node UDP forwarder, run as its own process. Like wirefault's UdpProxy it
// keeps a session per client address with its own connected upstream socket, and asks for the
// same kernel receive buffers, so the comparison measures the fault machinery, not the design.
import dgram from 'node:dgram';

const [target] = process.argv.slice(2);
const [host, port] = (target ?? '127.0.0.1:0').split(':');
const LISTENER_RECV_BUFFER = 4 * 1024 * 1024;
const UPSTREAM_RECV_BUFFER = 1024 * 1024;
/** Sessions are never expired here; a bench opens at most a few thousand. */
const MAX_SESSIONS = 20_000;

const listener = dgram.createSocket({ type: 'udp4', recvBufferSize: LISTENER_RECV_BUFFER });
/** A session's upstream socket and, until it is connected, the datagrams waiting for it. */
interface Session {
  socket: dgram.Socket;
  waiting: Buffer[] | undefined;
}
/** Datagrams held per session while its upstream socket connects (UdpProxy holds some too). */
const MAX_WAITING = 64;
const sessions = new Map<string, Session>();

listener.on('message', (msg, rinfo) => {
  const key = `${rinfo.address}:${rinfo.port}`;
  let session = sessions.get(key);
  if (!session) {
    if (sessions.size >= MAX_SESSIONS) return;
    const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: UPSTREAM_RECV_BUFFER });
    const created: Session = { socket, waiting: [] };
    socket.on('message', (reply) => listener.send(reply, rinfo.port, rinfo.address));
    socket.on('error', () => {});
    // Connected to the target, as UdpProxy's sessions are.
    socket.connect(Number(port), host!, () => {
      for (const m of created.waiting ?? []) socket.send(m);
      created.waiting = undefined;
    });
    sessions.set(key, created);
    session = created;
  }
  if (session.waiting) {
    if (session.waiting.length < MAX_WAITING) session.waiting.push(msg);
  } else {
    session.socket.send(msg);
  }
});
listener.on('error', () => {});
listener.bind(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ listening: `127.0.0.1:${listener.address().port}`, protocol: 'udp' })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
