// `wirefault pair server|client NAME`: one side of a built-in pair, as a reference peer for your own program.
import { formatAddress, ScenarioInvalidError } from '../../proxy/index.ts';
import { intFlag, logLevelFlag, parseFlags } from '../cli-args.ts';
import { BadFlagError } from '../errors.ts';
import { createLogger } from '../logger.ts';
import { stopSignal } from '../stop-signal.ts';
import { PAIRS } from '../pairs/registry.ts';
import { BUILTIN_PAIRS, checkPair, type BuiltinName } from '../scenario/pair-schema.ts';
import { DEFAULT_SEED } from '../scenario/schema.ts';

export const pairHelp = `Usage: wirefault pair server NAME [options]
       wirefault pair client NAME [options]

Runs one side of a built-in pair (${Object.keys(BUILTIN_PAIRS).join(', ')}) on its own.
The server prints {"listening":"HOST:PORT"} and serves until SIGINT/SIGTERM; a client that
sends a bad frame loses its connection (logged with its error code), others keep being served.
The client prints its metrics as JSON and exits 0 if every message came back intact, else 1.

  --framing F        none|length|line|json-header|low (default none)
  --host H           server: address to listen on; client: server to connect to (default 127.0.0.1)
  --port P           server: port (default 0 = any free port); client: required
  --seed N           client: seed of message sizes and contents (default ${DEFAULT_SEED})
  --messages N       client: how many messages (default 50)
  --min-size N       client: smallest message (default 1)
  --max-size N       client: largest message (default 512)
  --burst N          client: messages sent back to back before reading replies (default 1)
  --recv-buffer N    bytes one recv() may return (default 1024)
  --log-level LEVEL  (default info)
`;

export async function pairCommand(args: string[], out: NodeJS.WritableStream): Promise<number> {
  const { values, positionals } = parseFlags('pair', args, {
    framing: { type: 'string' },
    host: { type: 'string' },
    port: { type: 'string' },
    seed: { type: 'string' },
    messages: { type: 'string' },
    'min-size': { type: 'string' },
    'max-size': { type: 'string' },
    burst: { type: 'string' },
    'recv-buffer': { type: 'string' },
    'log-level': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    out.write(pairHelp);
    return 0;
  }
  const [role, name] = positionals;
  if ((role !== 'server' && role !== 'client') || positionals.length !== 2) {
    throw new BadFlagError('wirefault pair: expected `server NAME` or `client NAME` (see wirefault pair --help)');
  }
  if (!(name! in BUILTIN_PAIRS)) {
    throw new BadFlagError(`wirefault pair: expected a built-in pair (${Object.keys(BUILTIN_PAIRS).join(', ')}), found ${JSON.stringify(name)}`);
  }
  const builtin = name as BuiltinName;
  const protocol = BUILTIN_PAIRS[builtin].protocol;
  const port = intFlag('port', values.port, 0, 65535);
  const minSize = intFlag('min-size', values['min-size'], 0, 1 << 30) ?? 1;
  const maxSize = intFlag('max-size', values['max-size'], 0, 1 << 30) ?? Math.max(512, minSize);
  // The flags become a pair section and go through the scenario validation, so the rules are one.
  const raw = {
    builtin,
    ...(values.framing !== undefined ? { framing: values.framing } : {}),
    ...(values.messages !== undefined ? { messages: intFlag('messages', values.messages, 1, 100_000) } : {}),
    size: { min: minSize, max: maxSize },
    ...(values.burst !== undefined ? { burst: intFlag('burst', values.burst, 1, 10_000) } : {}),
    ...(values['recv-buffer'] !== undefined ? { recv_buffer: intFlag('recv-buffer', values['recv-buffer'], 1, 1 << 20) } : {}),
  };
  const checked = checkPair(raw, protocol);
  if (!checked.ok) throw new ScenarioInvalidError('(flags)', checked.issues);
  const spec = checked.pair;
  const side = spec.server.kind === 'builtin' ? spec.server : undefined;
  const log = createLogger(logLevelFlag(values['log-level']));
  const abort = new AbortController();
  const ctx = {
    framing: side!.framing,
    spec,
    seed: intFlag('seed', values.seed, 0, 2 ** 32 - 1) ?? DEFAULT_SEED,
    log,
    signal: abort.signal,
  };
  const host = values.host ?? '127.0.0.1';
  const pair = PAIRS[builtin];

  if (role === 'server') {
    const stop = stopSignal();
    const server = await pair.startServer(ctx, { host, port: port ?? 0 });
    out.write(`${JSON.stringify({ listening: formatAddress(server.address), protocol })}\n`);
    await stop;
    abort.abort();
    await server.close();
    log.info({ stats: server.stats }, 'server stopped');
    return 0;
  }
  if (port === undefined || port === 0) throw new BadFlagError('wirefault pair client: --port is required (the server\'s port)');
  const report = await pair.runClient(ctx, { host, port });
  out.write(`${JSON.stringify({ survived: report.survived, ...(report.reason ? { reason: report.reason } : {}), metrics: report.metrics })}\n`);
  return report.survived ? 0 : 1;
}
