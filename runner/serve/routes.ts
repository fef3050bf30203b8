// The HTTP API's routes: Toxiproxy 2.x endpoints mapped onto the proxy registry, one request at a time.
import packageJson from '../../package.json' with { type: 'json' };
import {
  ApiError,
  ERR_BAD_REQUEST_BODY,
  ERR_METHOD_NOT_ALLOWED,
  ERR_NOT_FOUND,
} from './api-error.ts';
import { METRICS_CONTENT_TYPE, renderMetrics } from './metrics.ts';
import { PopulateError, type ProxyRegistry } from './proxies.ts';
import { parseProxyInput, type ProxyInput } from './proxy-input.ts';

/** The Toxiproxy release whose API this implements; clients that check a version see this. */
export const TOXIPROXY_API_VERSION = '2.12.0';

const WIREFAULT_VERSION = packageJson.version;

export interface ApiRequest {
  method: string;
  /** The URL path, without query string. */
  path: string;
  body: string;
}

export interface ApiReply {
  status: number;
  body: string;
  contentType?: string;
}

const JSON_TYPE = 'application/json';

function json(status: number, value: unknown): ApiReply {
  return { status, body: `${JSON.stringify(value)}\n`, contentType: JSON_TYPE };
}

const NO_CONTENT: ApiReply = { status: 204, body: '' };

/** Parse a request body as JSON; Toxiproxy's message for an empty body is Go's "EOF". */
function parseBody(text: string): unknown {
  if (text.trim() === '') throw ERR_BAD_REQUEST_BODY.with('EOF');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw ERR_BAD_REQUEST_BODY.with((err as Error).message);
  }
}

function parsePopulate(text: string): ProxyInput[] {
  const body = parseBody(text);
  if (!Array.isArray(body)) throw ERR_BAD_REQUEST_BODY.with('expected a list of proxies');
  return body.map((item, i) => parseProxyInput(item, `at proxy ${i + 1}`));
}

type Handler = (params: string[], body: string) => ApiReply | Promise<ApiReply>;

interface Route {
  /** Path segments; `*` matches one segment, handed to the handler in order. */
  pattern: string[];
  methods: Record<string, Handler>;
}

export class Routes {
  private readonly routes: Route[];
  /** Mutations run one after another, as under Toxiproxy's collection lock. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly registry: ProxyRegistry) {
    const r = registry;
    this.routes = [
      { pattern: ['reset'], methods: { POST: async () => (await r.reset(), NO_CONTENT) } },
      {
        pattern: ['proxies'],
        methods: {
          GET: () => json(200, Object.fromEntries(r.all().map((p) => [p.name, p]))),
          POST: async (_, body) => json(201, await r.create(parseProxyInput(parseBody(body)))),
        },
      },
      { pattern: ['populate'], methods: { POST: (_, body) => this.populate(body) } },
      {
        pattern: ['proxies', '*'],
        methods: {
          GET: ([name]) => json(200, r.get(name!)),
          POST: (params, body) => this.updateProxy(params[0]!, body),
          PATCH: (params, body) => this.updateProxy(params[0]!, body),
          DELETE: async ([name]) => (await r.remove(name!), NO_CONTENT),
        },
      },
      {
        pattern: ['proxies', '*', 'toxics'],
        methods: {
          GET: ([name]) => json(200, r.get(name!).toxicList()),
          // Toxiproxy answers 200 here, not 201.
          POST: ([name], body) => json(200, r.get(name!).addToxic(parseBody(body))),
        },
      },
      {
        pattern: ['proxies', '*', 'toxics', '*'],
        methods: {
          GET: ([name, toxic]) => json(200, r.get(name!).toxic(toxic!)),
          POST: ([name, toxic], body) => json(200, r.get(name!).updateToxic(toxic!, parseBody(body))),
          PATCH: ([name, toxic], body) => json(200, r.get(name!).updateToxic(toxic!, parseBody(body))),
          DELETE: ([name, toxic]) => (r.get(name!).removeToxic(toxic!), NO_CONTENT),
        },
      },
      {
        pattern: ['version'],
        methods: {
          GET: () => ({
            status: 200,
            body: `${JSON.stringify({ version: TOXIPROXY_API_VERSION, wirefault: WIREFAULT_VERSION })}\n`,
            contentType: 'application/json;charset=utf-8',
          }),
        },
      },
      {
        pattern: ['metrics'],
        methods: { GET: () => ({ status: 200, body: renderMetrics(r.all()), contentType: METRICS_CONTENT_TYPE }) },
      },
    ];
  }

  private async updateProxy(name: string, body: string): Promise<ApiReply> {
    const proxy = this.registry.get(name);
    await proxy.update(parseBody(body));
    return json(200, proxy);
  }

  private async populate(body: string): Promise<ApiReply> {
    try {
      return json(201, { proxies: await this.registry.populate(parsePopulate(body)) });
    } catch (err) {
      if (err instanceof PopulateError) return json(err.error.status, { ...err.error.toJSON(), proxies: err.applied });
      if (err instanceof ApiError) return json(err.status, { ...err.toJSON(), proxies: [] });
      throw err;
    }
  }

  private match(path: string): { route: Route; params: string[] } | undefined {
    let segments: string[];
    try {
      segments = path.split('/').slice(1).map(decodeURIComponent);
    } catch {
      return undefined;
    }
    for (const route of this.routes) {
      if (route.pattern.length !== segments.length) continue;
      const params: string[] = [];
      const ok = route.pattern.every((p, i) => {
        if (p === '*') {
          params.push(segments[i]!);
          return segments[i] !== '';
        }
        return p === segments[i];
      });
      if (ok) return { route, params };
    }
    return undefined;
  }

  /** Resolves once every request taken so far has been answered. */
  async idle(): Promise<void> {
    await this.queue;
  }

  /** Answer one request; errors become Toxiproxy's `{"error", "status"}` bodies. */
  handle(req: ApiRequest): Promise<ApiReply> {
    const run = async (): Promise<ApiReply> => {
      try {
        const found = this.match(req.path);
        if (!found) throw ERR_NOT_FOUND;
        const handler = found.route.methods[req.method];
        if (!handler) throw ERR_METHOD_NOT_ALLOWED;
        return await handler(found.params, req.body);
      } catch (err) {
        if (err instanceof ApiError) return json(err.status, err);
        throw err;
      }
    };
    const reply = this.queue.then(run);
    this.queue = reply.catch(() => undefined);
    return reply;
  }
}
