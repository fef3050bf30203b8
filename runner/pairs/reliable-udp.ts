// `reliable-udp`: the udp-echo traffic over framing's reliable UDP: every message exactly once, in order.
import { once } from 'node:events';
import { RudpListener, connectReliableUdp, type ReliableUdp } from '../../framing/index.ts';
import type { Address } from '../../proxy/index.ts';
import { type BuiltinPair, type ClientReport, type PairContext, type RunningServer, verdict } from './contract.ts';
import { makeMessages, upperAscii } from './messages.ts';
import { emptyMetrics } from './metrics.ts';

/** Retransmissions take a few RTOs under heavy loss: wait at least this long for silence to mean loss. */
const MIN_QUIET_MS = 5_000;

async function startServer(ctx: PairContext, listen: Address): Promise<RunningServer> {
  const stats: Record<string, number> = { connections: 0, messages: 0 };
  const listener = await RudpListener.listen(listen.port, listen.host);
  listener.on('error', (err) => ctx.log.debug({ err: err.message }, 'reliable-udp listener error'));
  listener.on('connection', (conn) => {
    stats.connections!++;
    conn.on('message', (m: Buffer) => {
      stats.messages!++;
      conn.send(upperAscii(m));
    });
    // The peer finished: close our side too. A close cut short by shutdown is not a failure here.
    conn.on('end', () => conn.close().catch((err: Error) => ctx.log.debug({ err: err.message }, 'close cut short')));
    conn.on('error', (err) => ctx.log.warn({ code: (err as { code?: string }).code, err: err.message }, 'reliable-udp connection failed'));
  });
  const a = listener.address();
  return { address: { host: a.address, port: a.port }, stats, close: () => listener.close() };
}

async function runClient(ctx: PairContext, target: Address): Promise<ClientReport> {
  const { spec } = ctx;
  const started = performance.now();
  const m = emptyMetrics();
  const bodies = makeMessages(ctx.seed, spec.messages, spec.size.min, spec.size.max);
  const want = bodies.map(upperAscii);
  const conn: ReliableUdp = await connectReliableUdp(target.host, target.port);
  const quietMs = Math.max(spec.readTimeoutMs, MIN_QUIET_MS);
  let failure: Error | undefined;
  let lastHeard = performance.now();
  let wake: (() => void) | undefined;
  conn.on('message', (reply: Buffer) => {
    lastHeard = performance.now();
    const i = m.received++;
    m.bytes += reply.length;
    if (i < want.length && reply.equals(want[i]!)) m.intact++;
    else if (i >= want.length) m.duplicated++;
    else if (want.some((w) => w.equals(reply))) m.out_of_order++;
    else m.corrupted++;
    if (m.received >= want.length) wake?.();
  });
  conn.on('error', (err) => {
    failure = err;
    wake?.();
  });
  const abort = (): void => conn.destroy();
  ctx.signal.addEventListener('abort', abort, { once: true });
  try {
    for (let i = 0; i < bodies.length && !failure; i++) {
      m.sent++;
      if (!conn.send(bodies[i]!)) await Promise.race([once(conn, 'drain'), once(conn, 'close')]);
    }
    while (m.received < want.length && !failure && !ctx.signal.aborted) {
      const quietFor = performance.now() - lastHeard;
      if (quietFor >= quietMs) break;
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, quietMs - quietFor);
      });
      clearTimeout(timer);
    }
    if (!failure) await conn.close().catch((err: Error) => ctx.log.debug({ err: err.message }, 'close cut short'));
  } finally {
    ctx.signal.removeEventListener('abort', abort);
    conn.destroy();
  }
  m.lost = Math.max(0, m.sent - m.received);
  m.duration_ms = Math.round(performance.now() - started);
  const v = verdict(m);
  if (failure) {
    const code = (failure as { code?: string }).code;
    return { metrics: m, survived: false, reason: `${code ?? 'error'}: ${failure.message}` };
  }
  return { metrics: m, ...v };
}

export const reliableUdp: BuiltinPair = { protocol: 'udp', startServer, runClient };
