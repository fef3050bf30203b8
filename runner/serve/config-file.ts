// `wirefault serve --config FILE`: Toxiproxy's JSON list of proxies, or a wirefault scenario file.
import { readFileSync } from 'node:fs';
import { WirefaultError, formatAddress, type ProxyConfig } from '../../proxy/index.ts';
import { loadProxyScenario } from '../scenario/load.ts';
import { ApiError } from './api-error.ts';
import { PopulateError, type ProxyRegistry } from './proxies.ts';
import { DEFAULT_LISTEN, parseProxyInput, type ProxyInput } from './proxy-input.ts';
import { toxicFromFault, type Stream, type Toxic } from './toxics.ts';

/** A --config file that is not a valid proxy list or scenario, or whose proxies cannot start. Exit 2. */
export class ServeConfigError extends WirefaultError {
  constructor(file: string, detail: string) {
    super('ERR_SERVE_CONFIG', `${file}: ${detail}`);
  }
}

interface Populate {
  inputs: ProxyInput[];
  /** A scenario's own max_buffer etc., for its one proxy. */
  base?: ProxyConfig;
}

/** A scenario becomes one proxy named after it, its fault chains becoming toxics of our own types. */
function fromScenario(file: string, seedFlag: number | undefined): Populate {
  const scenario = loadProxyScenario(file);
  const { proxy } = scenario;
  if (!proxy.target) throw new ServeConfigError(file, 'a scenario used as --config needs proxy.target');
  const toxics: Toxic[] = [];
  const taken = new Set<string>();
  for (const stream of ['upstream', 'downstream'] as const satisfies Stream[]) {
    for (const fault of proxy[stream]) {
      let name = `${fault.name}_${stream}`;
      for (let n = 2; taken.has(name); n++) name = `${fault.name}_${stream}_${n}`;
      taken.add(name);
      toxics.push(toxicFromFault(fault, stream, name));
    }
  }
  return {
    inputs: [
      {
        name: scenario.name,
        listen: proxy.listen ? formatAddress(proxy.listen) : DEFAULT_LISTEN,
        upstream: formatAddress(proxy.target),
        enabled: true,
        protocol: scenario.protocol,
        // --seed overrides the scenario's seed, as for `wirefault run`.
        ...(seedFlag === undefined ? { seed: scenario.seed } : {}),
        toxics,
      },
    ],
    base: proxy,
  };
}

function fromToxiproxyJson(file: string, text: string): Populate {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ServeConfigError(file, `not valid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(data)) throw new ServeConfigError(file, 'expected a JSON list of proxies');
  try {
    return { inputs: data.map((item, i) => parseProxyInput(item, `at proxy ${i + 1}`)) };
  } catch (err) {
    if (err instanceof ApiError) throw new ServeConfigError(file, err.message);
    throw err;
  }
}

/** Read FILE and create its proxies; a JSON list is Toxiproxy's format, anything else a scenario. */
export async function populateFromFile(registry: ProxyRegistry, file: string, seedFlag: number | undefined): Promise<number> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ServeConfigError(file, `cannot read the file (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  const { inputs, base } = text.trimStart().startsWith('[') || file.endsWith('.json')
    ? fromToxiproxyJson(file, text)
    : fromScenario(file, seedFlag);
  try {
    if (base) await registry.create(inputs[0]!, base);
    else await registry.populate(inputs);
  } catch (err) {
    if (err instanceof PopulateError) throw new ServeConfigError(file, err.error.message);
    if (err instanceof ApiError) throw new ServeConfigError(file, err.message);
    throw err;
  }
  return inputs.length;
}
