// The `wirefault` command: dispatches subcommands and maps errors to exit codes (2 = bad input).
import { WirefaultError } from '../proxy/index.ts';
import { proxyCommand, proxyHelp } from './commands/proxy.ts';
import { checkCommand, checkHelp } from './commands/check.ts';
import { schemaCommand, schemaHelp } from './commands/schema.ts';
import { runCommand, runHelp } from './commands/run.ts';
import { listCommand, listHelp } from './commands/list.ts';
import { pairCommand, pairHelp } from './commands/pair.ts';
import { serveCommand, serveHelp } from './commands/serve.ts';

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

const COMMANDS: Record<string, { run: Command; help: string }> = {
  run: { run: runCommand, help: runHelp },
  list: { run: listCommand, help: listHelp },
  proxy: { run: proxyCommand, help: proxyHelp },
  pair: { run: pairCommand, help: pairHelp },
  serve: { run: serveCommand, help: serveHelp },
  check: { run: checkCommand, help: checkHelp },
  schema: { run: schemaCommand, help: schemaHelp },
};

/** Run the CLI; resolves to the process exit code. */
export async function main(argv: string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    out.write(usage);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    err.write(`wirefault: unknown command ${JSON.stringify(name)}; expected one of ${Object.keys(COMMANDS).join(', ')}\n`);
    return 2;
  }
  try {
    return await command.run(rest, out);
  } catch (e) {
    if (e instanceof WirefaultError) {
      // User errors: a clear message and exit 2, never a stack trace.
      err.write(`wirefault ${name}: ${e.code}\n${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
