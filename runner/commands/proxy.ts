// `wirefault proxy SCENARIO`: run only a scenario's proxy, for your own client and server.
import {
  BadAddressError,
  TcpProxy,
  UdpProxy,
  formatAddress,
  parseAddress,
  tuneProcessForForwarding,
  type Address,
} from '../../proxy/index.ts';
import { intFlag, logLevelFlag, parseFlags } from '../cli-args.ts';
import { BadFlagError } from '../errors.ts';
import { createLogger } from '../logger.ts';
import { stopSignal } from '../stop-signal.ts';
import { loadProxyScenario } from '../scenario/load.ts';
import { WORKER_ENV, runPrimary, serveAsWorker } from './proxy-workers.ts';

export const proxyHelp = `Usage: wirefault proxy SCENARIO [--listen HOST:PORT] [--target HOST:PORT] [--seed N]

Runs the proxy section of SCENARIO (its pair and expectations are ignored) between your own
client and server. Prints one line to stdout when ready:
  {"listening":"127.0.0.1:PORT","protocol":"tcp"}    ("udp" for a UDP scenario)
Logs go to stderr. Stops cleanly on SIGINT/SIGTERM.

  --listen HOST:PORT   where to listen (default: the scenario's proxy.listen, else 127.0.0.1:0)
  --target HOST:PORT   where to forward (default: the scenario's proxy.target; required if absent)
  --seed N             override the scenario's seed
  --workers N          TCP only: proxy in N worker processes (default 1). One process accepts and
                       numbers the connections, so each is seeded as with one process; use it to
                       spread many connections over cores or past one process's open-file limit
  --log-level LEVEL    fatal|error|warn|info|debug|trace|silent (default info)
`;

function addressFlag(name: string, value: string | undefined): Address | undefined {
  if (value === undefined) return undefined;
  try {
    return parseAddress(value, `--${name}`);
  } catch (err) {
    if (err instanceof BadAddressError) throw new BadFlagError(err.message);
    throw err;
  }
}

export async function proxyCommand(args: string[], out: NodeJS.WritableStream): Promise<number> {
  const { values, positionals } = parseFlags('proxy', args, {
    listen: { type: 'string' },
    target: { type: 'string' },
    seed: { type: 'string' },
    workers: { type: 'string' },
    'log-level': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    out.write(proxyHelp);
    return 0;
  }
  if (positionals.length !== 1) {
    throw new BadFlagError(`wirefault proxy: expected exactly one SCENARIO file, found ${positionals.length}`);
  }
  const listen = addressFlag('listen', values.listen);
  const target = addressFlag('target', values.target);
  const seedFlag = intFlag('seed', values.seed, 0, 2 ** 32 - 1);
  const workers = intFlag('workers', values.workers, 1, 64) ?? 1;
  const workerNumber = process.env[WORKER_ENV];
  const baseLog = createLogger(logLevelFlag(values['log-level']));
  const log = workerNumber === undefined ? baseLog : baseLog.child({ worker: Number(workerNumber) });
  const scenario = loadProxyScenario(positionals[0]!);
  const config = scenario.proxy;
  const finalTarget = target ?? config.target;
  if (!finalTarget) {
    throw new BadFlagError(`wirefault proxy: ${scenario.file} has no proxy.target; pass --target HOST:PORT`);
  }
  if (workers > 1 && config.protocol === 'udp') {
    throw new BadFlagError(`wirefault proxy: --workers applies to TCP; ${scenario.file} is a UDP scenario (its sessions share one socket)`);
  }
  const seed = seedFlag ?? scenario.seed;
  const listenAt = listen ?? config.listen ?? { host: '127.0.0.1', port: 0 };
  const ready = (addr: Address): void => {
    log.info({ scenario: scenario.name, seed, target: formatAddress(finalTarget) }, 'proxy ready');
    out.write(`${JSON.stringify({ listening: formatAddress(addr), protocol: config.protocol })}\n`);
  };
  const stop = stopSignal();
  if (workers > 1 && workerNumber === undefined) {
    return runPrimary({ listen: listenAt, workers, log, stop, onReady: ready });
  }
  const options = {
    config,
    target: finalTarget,
    listen: listenAt,
    seed,
    log,
    // Nobody reads the traces of a standalone proxy; keep only their totals (no per-event memory).
    traceLimit: 0,
  };
  // This process only forwards: tune the allocator and the collection of read buffers for it
  // (see proxy/process-tuning.ts).
  const untune = tuneProcessForForwarding();
  try {
    if (workerNumber !== undefined) return await serveAsWorker(new TcpProxy(options), log, stop);
    const proxy = config.protocol === 'udp' ? new UdpProxy(options) : new TcpProxy(options);
    ready(await proxy.listen());

    const signal = await stop;
    log.info({ signal }, 'stopping');
    await proxy.close();
    return 0;
  } finally {
    untune();
  }
}
