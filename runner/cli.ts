// The `wirefault` command: dispatches subcommands and maps errors to exit codes (2 = bad input).
import { WirefaultError } from '../proxy/index.ts';

const usage = `Usage: wirefault <command> [options]

Commands:
  run [PATH...]      run scenarios (default scenarios/) and check their expectations
  list [PATH...]     list scenarios with their descriptions
  proxy SCENARIO     run only a scenario's proxy, for your own client and server
  pair server|client NAME
                     run one side of a built-in pair, to test your own program against
  serve              a Toxiproxy-compatible HTTP API: create proxies and toxics at run time
  check [PATH...]    validate scenarios, run nothing
  schema             print the JSON Schema of the scenario format

Run 'wirefault <command> --help' for a command's options.
`;

type Command = (args: string[], out: NodeJS.WritableStream) => Promise<number>;

/**
 * Each command is loaded only when it runs: `wirefault proxy` is a long-lived forwarding process,
 * and the runner's pairs, reporters and the serve API would only add to its resident memory.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  run: async () => (await import('./commands/run.ts')).runCommand,
  list: async () => (await import('./commands/list.ts')).listCommand,
  proxy: async () => (await import('./commands/proxy.ts')).proxyCommand,
  pair: async () => (await import('./commands/pair.ts')).pairCommand,
  serve: async () => (await import('./commands/serve.ts')).serveCommand,
  check: async () => (await import('./commands/check.ts')).checkCommand,
  schema: async () => (await import('./commands/schema.ts')).schemaCommand,
};

/** Run the CLI; resolves to the process exit code. */
export async function main(argv: string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    out.write(usage);
    return name === undefined ? 2 : 0;
  }
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!load) {
    err.write(`wirefault: unknown command ${JSON.stringify(name)}; expected one of ${Object.keys(COMMANDS).join(', ')}\n`);
    return 2;
  }
  try {
    return await (await load())(rest, out);
  } catch (e) {
    if (e instanceof WirefaultError) {
      // User errors: a clear message and exit 2, never a stack trace.
      err.write(`wirefault ${name}: ${e.code}\n${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
