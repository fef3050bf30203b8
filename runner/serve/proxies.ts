// The proxy registry behind `wirefault serve`: named proxies, their toxics, listeners and byte counters.
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import {
  TcpProxy,
  UdpProxy,
  formatAddress,
  mixSeed,
  proxyConfig,
  type Address,
  type ProxyConfig,
  type Protocol,
  type ResolvedFault,
  type TcpConnection,
  type UdpSession,
} from '../../proxy/index.ts';
import {
  ApiError,
  ERR_BAD_REQUEST_BODY,
  ERR_PROXY_ALREADY_EXISTS,
  ERR_PROXY_NOT_FOUND,
  ERR_TOXIC_NOT_FOUND,
} from './api-error.ts';
import { parseHostPort, parseProxyPatch, type ProxyInput } from './proxy-input.ts';
import { faultChains, parseNewToxic, updatedToxic, type Stream, type Toxic } from './toxics.ts';

/** A TCP connection or a UDP session: what carries bytes through a proxy, one link each way. */
export type Carrier = TcpConnection | UdpSession;

/** The proxy behind an enabled ServedProxy. */
type Running =
  | { protocol: 'tcp'; proxy: TcpProxy }
  | {
      protocol: 'udp';
      proxy: UdpProxy;
      /** The config object the UdpProxy reads when it opens a session; we own it. */
      config: ProxyConfig;
    };

export interface Traffic {
  /** Bytes read from the source of each direction (client for upstream, server for downstream). */
  received: number;
  /** Bytes written to the sink of each direction. */
  sent: number;
}

/** 32-bit FNV-1a of a proxy name, so each name gets its own seed from the server's. */
function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(name, 'utf8')) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  return h;
}

export interface ProxyDefaults {
  /** Server seed (--seed): a proxy without its own seed gets one derived from it and its name. */
  seed: number;
  log: Logger;
  /** Base config (max_buffer etc.); a scenario given to --config supplies its own. */
  base?: ProxyConfig;
}

/** One named proxy: what the API shows, plus the running TcpProxy while enabled. */
export class ServedProxy extends EventEmitter<{ connection: [Carrier] }> {
  readonly name: string;
  readonly protocol: Protocol;
  readonly seed: number;
  private readonly ownSeed: boolean;
  /** The listen address as asked; `listen` is the bound address once started (port 0 resolved). */
  private requestedListen: string;
  listen: string;
  upstream: string;
  enabled = false;
  /** In the order they were added; each stream's chain keeps that order. */
  private toxics: Toxic[] = [];
  private running: Running | undefined;
  private readonly base: ProxyConfig;
  private readonly log: Logger;
  /** Bytes of connections that have closed; live ones are added at read time. */
  private readonly closedTraffic: Record<Stream, Traffic> = {
    upstream: { received: 0, sent: 0 },
    downstream: { received: 0, sent: 0 },
  };
  private readonly live = new Set<Carrier>();
  connectionsTotal = 0;

  constructor(input: ProxyInput, defaults: ProxyDefaults) {
    super();
    this.name = input.name;
    this.protocol = input.protocol;
    this.ownSeed = input.seed !== undefined;
    this.seed = input.seed ?? mixSeed(defaults.seed, nameHash(input.name));
    this.requestedListen = input.listen;
    this.listen = input.listen;
    this.upstream = input.upstream;
    this.base = defaults.base ?? proxyConfig({}, input.protocol);
    this.log = defaults.log.child({ proxy: input.name });
    for (const body of input.toxics) this.addToxic(body);
  }

  /** Whether `listen` names this proxy's address: as asked (e.g. port 0) or as bound. */
  listensAt(listen: string): boolean {
    return listen === this.requestedListen || listen === this.listen;
  }

  private opened(carrier: Carrier): void {
    this.connectionsTotal++;
    this.live.add(carrier);
    this.emit('connection', carrier);
  }

  private closed(carrier: Carrier): void {
    this.live.delete(carrier);
    for (const dir of ['upstream', 'downstream'] as const) {
      const totals = carrier[dir]?.trace.totals;
      if (!totals) continue;
      this.closedTraffic[dir].received += totals.bytesIn;
      this.closedTraffic[dir].sent += totals.bytesOut;
    }
  }

  private launch(config: ProxyConfig): Running {
    const opts = {
      config,
      listen: parseHostPort(this.listen, 'listen'),
      target: parseHostPort(this.upstream, 'upstream'),
      seed: this.seed,
      log: this.log,
    };
    if (this.protocol === 'udp') {
      const proxy = new UdpProxy(opts);
      proxy.on('session', (s) => this.opened(s));
      proxy.on('sessionClosed', (s) => this.closed(s));
      return { protocol: 'udp', proxy, config };
    }
    const proxy = new TcpProxy(opts);
    proxy.on('connection', (c) => this.opened(c));
    proxy.on('closed', (c) => this.closed(c));
    return { protocol: 'tcp', proxy };
  }

  async start(): Promise<void> {
    if (this.running) return;
    const chains = faultChains(this.toxics, this.protocol);
    const running = this.launch({ ...this.base, protocol: this.protocol, ...chains });
    let bound: Address;
    try {
      bound = await running.proxy.listen();
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      // Not an ApiError in Toxiproxy either: a bind failure answers 500.
      throw new ApiError(`listen ${this.protocol} ${this.listen}: ${e.code ?? e.message}`, 500);
    }
    this.running = running;
    this.enabled = true;
    // Re-enabling binds the same port again, as Toxiproxy does.
    this.listen = formatAddress(bound);
    this.log.info({ listen: this.listen, upstream: this.upstream, seed: this.seed }, 'proxy started');
  }

  /** Close the listener and every connection through it. */
  async stop(): Promise<void> {
    const running = this.running;
    this.enabled = false;
    if (!running) return;
    this.running = undefined;
    await running.proxy.close();
    this.log.info({ listen: this.listen }, 'proxy stopped');
  }

  /** Apply a PATCH/POST update: a new address restarts the proxy; `enabled` starts or stops it. */
  async update(body: unknown): Promise<void> {
    const patch = parseProxyPatch(body);
    if (patch.protocol !== undefined && patch.protocol !== this.protocol) {
      throw ERR_BAD_REQUEST_BODY.with('protocol: a proxy cannot change protocol; delete and create it again');
    }
    const wasEnabled = this.enabled;
    const newListen = patch.listen !== undefined && !this.listensAt(patch.listen);
    const newUpstream = patch.upstream !== undefined && patch.upstream !== this.upstream;
    if (newListen || newUpstream) {
      await this.stop();
      if (newListen) this.requestedListen = this.listen = patch.listen!;
      if (newUpstream) this.upstream = patch.upstream!;
    }
    const enable = patch.enabled ?? wasEnabled;
    if (enable) await this.start();
    else await this.stop();
  }

  toxicList(): Toxic[] {
    return [...this.toxics.filter((t) => t.stream === 'upstream'), ...this.toxics.filter((t) => t.stream === 'downstream')];
  }

  toxic(name: string): Toxic {
    const found = this.toxics.find((t) => t.name === name);
    if (!found) throw ERR_TOXIC_NOT_FOUND;
    return found;
  }

  addToxic(body: unknown): Toxic {
    const toxic = parseNewToxic(body, this.protocol, (name) => this.toxics.some((t) => t.name === name));
    this.toxics.push(toxic);
    this.applyToxics();
    this.log.info({ toxic: toxic.name, type: toxic.type, stream: toxic.stream }, 'toxic added');
    return toxic;
  }

  updateToxic(name: string, body: unknown): Toxic {
    const old = this.toxic(name);
    const toxic = updatedToxic(old, body, this.protocol);
    this.toxics[this.toxics.indexOf(old)] = toxic;
    this.applyToxics();
    this.log.info({ toxic: name, attributes: toxic.attributes, toxicity: toxic.toxicity }, 'toxic updated');
    return toxic;
  }

  removeToxic(name: string): void {
    const old = this.toxic(name);
    this.toxics = this.toxics.filter((t) => t !== old);
    this.applyToxics();
    this.log.info({ toxic: name }, 'toxic removed');
  }

  removeAllToxics(): void {
    this.toxics = [];
    this.applyToxics();
  }

  private applyToxics(): void {
    const chains = faultChains(this.toxics, this.protocol);
    const running = this.running;
    if (running?.protocol === 'tcp') running.proxy.setFaults(chains.upstream, chains.downstream);
    if (running?.protocol === 'udp') this.applyUdp(running, chains);
  }

  /**
   * UDP has no chain handover: new sessions read the chains from the config object we gave the
   * proxy, and open sessions are ended so that each client's next datagram opens a session with
   * the new toxics (what they held is lost, as datagrams may be).
   */
  private applyUdp(running: Extract<Running, { protocol: 'udp' }>, chains: Record<Stream, ResolvedFault[]>): void {
    running.config.upstream = chains.upstream;
    running.config.downstream = chains.downstream;
    const sessions = [...running.proxy.sessions.values()];
    if (sessions.length > 0) this.log.info({ sessions: sessions.length }, 'toxics changed: ending open UDP sessions');
    for (const session of sessions) void running.proxy.endSession(session, 'idle');
  }

  /** Bytes per direction so far, closed and live connections together. */
  traffic(): Record<Stream, Traffic> {
    const out: Record<Stream, Traffic> = {
      upstream: { ...this.closedTraffic.upstream },
      downstream: { ...this.closedTraffic.downstream },
    };
    for (const conn of this.live) {
      for (const dir of ['upstream', 'downstream'] as const) {
        const totals = conn[dir]?.trace.totals;
        if (!totals) continue;
        out[dir].received += totals.bytesIn;
        out[dir].sent += totals.bytesOut;
      }
    }
    return out;
  }

  get activeConnections(): number {
    return this.live.size;
  }

  /** Toxiproxy's proxy JSON; `protocol` and `seed` only when the client used those extensions. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      listen: this.listen,
      upstream: this.upstream,
      enabled: this.enabled,
      toxics: this.toxicList(),
      ...(this.protocol !== 'tcp' ? { protocol: this.protocol } : {}),
      ...(this.ownSeed ? { seed: this.seed } : {}),
    };
  }
}

/** All proxies by name. Callers serialize mutations (the routes do, one request at a time). */
export class ProxyRegistry {
  private readonly proxies = new Map<string, ServedProxy>();

  constructor(private readonly defaults: ProxyDefaults) {}

  all(): ServedProxy[] {
    return [...this.proxies.values()];
  }

  get(name: string): ServedProxy {
    const proxy = this.proxies.get(name);
    if (!proxy) throw ERR_PROXY_NOT_FOUND;
    return proxy;
  }

  /** Build (and validate toxics of) a proxy without registering or starting it. */
  private build(input: ProxyInput, base?: ProxyConfig): ServedProxy {
    return new ServedProxy(input, { ...this.defaults, ...(base ? { base } : {}) });
  }

  async create(input: ProxyInput, base?: ProxyConfig): Promise<ServedProxy> {
    if (this.proxies.has(input.name)) throw ERR_PROXY_ALREADY_EXISTS;
    const proxy = this.build(input, base);
    if (input.enabled) await proxy.start();
    this.proxies.set(proxy.name, proxy);
    return proxy;
  }

  /**
   * Create or replace a list of proxies. An existing proxy with the same listen (as asked or as
   * bound), upstream and protocol is kept as it is, toxics and all; any other is replaced. Every
   * item is validated before anything changes. On a failure part way (a bind error) the error is
   * thrown with the proxies applied so far.
   */
  async populate(inputs: ProxyInput[]): Promise<ServedProxy[]> {
    const names = new Set<string>();
    const built: (ServedProxy | undefined)[] = [];
    for (const input of inputs) {
      if (names.has(input.name)) throw ERR_BAD_REQUEST_BODY.with(`duplicate proxy name ${JSON.stringify(input.name)}`);
      names.add(input.name);
      const existing = this.proxies.get(input.name);
      const same =
        existing !== undefined &&
        existing.listensAt(input.listen) &&
        existing.upstream === input.upstream &&
        existing.protocol === input.protocol;
      built.push(same ? undefined : this.build(input));
    }
    const applied: ServedProxy[] = [];
    for (const [i, input] of inputs.entries()) {
      const fresh = built[i];
      if (!fresh) {
        applied.push(this.proxies.get(input.name)!);
        continue;
      }
      // As Toxiproxy: the old proxy stops first (it may hold the port); if the new one then
      // cannot start, the old one stays, stopped.
      await this.proxies.get(input.name)?.stop();
      try {
        if (input.enabled) await fresh.start();
      } catch (err) {
        throw new PopulateError(err as ApiError, applied);
      }
      this.proxies.set(fresh.name, fresh);
      applied.push(fresh);
    }
    return applied;
  }

  async remove(name: string): Promise<void> {
    const proxy = this.get(name);
    this.proxies.delete(name);
    await proxy.stop();
  }

  /** POST /reset: every proxy enabled again, every toxic removed. */
  async reset(): Promise<void> {
    for (const proxy of this.proxies.values()) {
      proxy.removeAllToxics();
      await proxy.start();
    }
  }

  /** Stop every proxy (server shutdown). */
  async close(): Promise<void> {
    await Promise.all([...this.proxies.values()].map((p) => p.stop()));
  }
}

/** A populate that failed part way: the error and the proxies applied before it. */
export class PopulateError extends Error {
  constructor(
    readonly error: ApiError,
    readonly applied: ServedProxy[],
  ) {
    super(error.message);
  }
}
