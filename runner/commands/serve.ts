// `wirefault serve`: a control server speaking Toxiproxy's HTTP API, with seeds (and UDP) on top.
import { randomInt } from 'node:crypto';
import { formatAddress, tuneProcessForForwarding } from '../../proxy/index.ts';
import { intFlag, logLevelFlag, parseFlags } from '../cli-args.ts';
import { BadFlagError } from '../errors.ts';
import { createLogger } from '../logger.ts';
import { stopSignal } from '../stop-signal.ts';
import { populateFromFile } from '../serve/config-file.ts';
import { ControlServer } from '../serve/server.ts';

export const serveHelp = `Usage: wirefault serve [--host HOST] [--port PORT] [--config FILE] [--seed N]

Runs a control server with Toxiproxy's HTTP API (2.x): clients of Toxiproxy (toxiproxy-node-client,
the Go and Ruby clients, testcontainers) drive it unchanged. See docs/serve.md. Prints one line to
stdout when ready:
  {"listening":"127.0.0.1:8474","seed":N,"proxies":K}
Logs go to stderr. Stops cleanly on SIGINT/SIGTERM.

  --host HOST          address of the HTTP API (default 127.0.0.1)
  --port PORT          port of the HTTP API (default 8474; 0 picks a free one)
  --config FILE        create proxies at start: a Toxiproxy JSON list of proxies, or a wirefault
                       scenario file (one proxy named after the scenario, its faults as toxics)
  --seed N             seed for every proxy's fault decisions (default: random, printed)
  --log-level LEVEL    fatal|error|warn|info|debug|trace|silent (default info)
`;

export async function serveCommand(args: string[], out: NodeJS.WritableStream): Promise<number> {
  const { values, positionals } = parseFlags('serve', args, {
    host: { type: 'string' },
    port: { type: 'string' },
    config: { type: 'string' },
    seed: { type: 'string' },
    'log-level': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    out.write(serveHelp);
    return 0;
  }
  if (positionals.length > 0) {
    throw new BadFlagError(`wirefault serve: takes no positional arguments, found ${JSON.stringify(positionals[0])}`);
  }
  const host = values.host ?? '127.0.0.1';
  if (host === '') throw new BadFlagError('--host: expected a host name or address, found ""');
  const port = intFlag('port', values.port, 0, 65535) ?? 8474;
  const seedFlag = intFlag('seed', values.seed, 0, 2 ** 32 - 1);
  // Without --seed a run is still reproducible: the seed drawn here is printed and logged.
  const seed = seedFlag ?? randomInt(0, 2 ** 32 - 1);
  const log = createLogger(logLevelFlag(values['log-level']));

  // This process only forwards: tune the allocator and the collection of read buffers for it (see proxy/process-tuning.ts).
  const untune = tuneProcessForForwarding();
  const server = new ControlServer({ host, port, seed, log });
  const stop = stopSignal();
  try {
    const proxies = values.config === undefined ? 0 : await populateFromFile(server.registry, values.config, seedFlag);
    const addr = await server.listen();
    log.info({ listening: formatAddress(addr), seed, proxies }, 'serve ready');
    out.write(`${JSON.stringify({ listening: formatAddress(addr), seed, proxies })}\n`);
    const signal = await stop;
    log.info({ signal }, 'stopping');
  } finally {
    await server.close();
    untune();
  }
  return 0;
}
