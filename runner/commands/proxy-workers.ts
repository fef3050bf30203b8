// `wirefault proxy --workers N`: one process accepts and numbers TCP connections, N workers proxy them.
//
//   client ──▶ primary (listens, never reads) ──socket + index over IPC──▶ worker i = index mod N
//                                                                          └─ TcpProxy.adopt() ──▶ target
//
// Why: one Node process forwards on one core, and holds at most (open-file limit) / 2 connections
// (two descriptors each). The primary numbers connections in accept order, so every connection's
// faults are seeded exactly as with one process: the same seed reproduces the same run.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import net, { type AddressInfo, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { formatAddress, type Address, type TcpProxy } from '../../proxy/index.ts';

/** Set in a worker's environment (to its number); a process with it proxies what its primary sends. */
export const WORKER_ENV = 'WIREFAULT_PROXY_WORKER';

type ToWorker = { type: 'conn'; index: number } | { type: 'stop' };
type FromWorker = { type: 'ready' };

/**
 * Every connection a worker receives arrives as an IPC message with a handle, ~3 KiB of garbage
 * that lets V8's young generation grow to its 16 MiB semi-spaces and spill into the old one: with
 * 5 000 idle connections a worker held 130 MiB, 105 MiB with this (bench/README.md, "scale"), and
 * forwarding stayed as fast (12.1 against 12.9 Gbit/s, within the spread of 7 runs).
 */
const WORKER_SEMI_SPACE = '--max-semi-space-size=4';

/** How long a worker may take to start, and to stop once told. */
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;

/** In a worker: proxy the connections the primary hands over, until it says stop or goes away. */
export async function serveAsWorker(proxy: TcpProxy, log: Logger, stop: Promise<unknown>): Promise<number> {
  if (!process.send) throw new Error(`${WORKER_ENV} is set but this process has no IPC channel to a primary`);
  const stopped = new Promise<string>((resolve) => {
    process.on('message', (message: ToWorker, handle?: Socket) => {
      if (message.type === 'conn' && handle) proxy.adopt(handle, message.index);
      else if (message.type === 'stop') resolve('told to stop');
    });
    process.once('disconnect', () => resolve('primary gone'));
  });
  process.send({ type: 'ready' } satisfies FromWorker);
  const reason = await Promise.race([stopped, stop]);
  log.debug({ reason }, 'worker stopping');
  await proxy.close();
  process.disconnect();
  return 0;
}

export interface PrimaryOptions {
  listen: Address;
  workers: number;
  log: Logger;
  /** Resolves when the command is asked to stop (SIGINT/SIGTERM). */
  stop: Promise<unknown>;
  /** Called once every worker is ready and the listener is open. */
  onReady(address: Address): void;
}

/**
 * In the primary: start the workers (this same command, with WORKER_ENV set), listen, and pass
 * each accepted connection on with its index. Resolves with the exit code: 1 if a worker died.
 */
export async function runPrimary(opts: PrimaryOptions): Promise<number> {
  const { log } = opts;
  const bin = process.argv[1];
  if (!bin) throw new Error('cannot start workers: no script path in process.argv');
  const workers: ChildProcess[] = [];
  let stopping = false;
  let died: (reason: string) => void = () => {};
  const workerDied = new Promise<string>((resolve) => (died = resolve));
  const server = net.createServer({ pauseOnConnect: true });
  try {
    for (let i = 0; i < opts.workers; i++) {
      const child = fork(bin, process.argv.slice(2), {
        env: { ...process.env, [WORKER_ENV]: String(i) },
        execArgv: [...process.execArgv, WORKER_SEMI_SPACE],
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      });
      workers.push(child);
      child.once('exit', (code, signal) => {
        if (stopping) return;
        log.error({ worker: i, code, signal }, 'worker exited; stopping');
        died(`worker ${i} exited`);
      });
    }
    await Promise.all(workers.map((child, i) => ready(child, i)));

    let next = 0;
    server.on('connection', (socket) => {
      const index = next++;
      const worker = workers[index % workers.length]!;
      // Sent, the socket is closed here: only the worker holds its descriptor.
      worker.send({ type: 'conn', index } satisfies ToWorker, socket, (err) => {
        if (!err) return;
        log.warn({ conn: index, err: err.message }, 'could not pass a connection to its worker');
        socket.destroy();
      });
    });
    server.on('error', (err) => log.error({ err }, 'listener error'));
    server.listen(opts.listen.port, opts.listen.host);
    await Promise.race([once(server, 'listening'), workerDied.then((r) => Promise.reject(new Error(r)))]);
    const a = server.address() as AddressInfo;
    const address = { host: a.address, port: a.port };
    log.info({ workers: opts.workers, listening: formatAddress(address) }, 'primary ready');
    opts.onReady(address);
    const reason = await Promise.race([opts.stop.then(() => undefined), workerDied]);
    return reason === undefined ? 0 : 1;
  } catch (err) {
    // A worker that fails to start, or a listener that cannot open: said once, exit 1, no stack.
    log.error({ err: (err as Error).message }, 'proxy workers failed');
    return 1;
  } finally {
    stopping = true;
    server.close();
    await Promise.all(workers.map((child) => stopWorker(child)));
  }
}

async function ready(child: ChildProcess, i: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      new Promise<void>((resolve) => child.once('message', (m: FromWorker) => m.type === 'ready' && resolve())),
      once(child, 'exit').then(([code]) => Promise.reject(new Error(`worker ${i} exited (${String(code)}) before it was ready`))),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`worker ${i} not ready within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  if (child.connected) child.send({ type: 'stop' } satisfies ToWorker);
  else child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}
