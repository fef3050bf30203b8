// Run one scenario: start the server side, the proxy in front of it, the client against the proxy; judge.
import path from 'node:path';
import type { Logger } from 'pino';
import { formatAddress, mixSeed, type Address } from '../proxy/index.ts';
import { unmetExpectations } from './expect.ts';
import { startScenarioProxy } from './scenario-proxy.ts';
import { openScenarioCapture, type ScenarioCapture } from './scenario-capture.ts';
import type { BuiltinPair, PairContext, RunningServer } from './pairs/contract.ts';
import { ExternalProcess, runExternalClient, startExternalServer } from './pairs/external.ts';
import { PAIRS } from './pairs/registry.ts';
import type { LoadedScenario } from './scenario/load.ts';
import type { SideSpec } from './scenario/pair-schema.ts';
import type { ScenarioResult } from './result.ts';
import type { PairMetrics } from './pairs/metrics.ts';

export interface RunOptions {
  /** Overrides the scenario's seed (--seed). */
  seed?: number;
  log: Logger;
  /** Aborts the scenario early (shutdown). */
  signal?: AbortSignal;
  /** Write a packet capture of the scenario under this report folder (--pcap). */
  pcapDir?: string;
}

class ScenarioTimeout extends Error {}

function pairContext(scenario: LoadedScenario, side: Extract<SideSpec, { kind: 'builtin' }>, seed: number, log: Logger, signal: AbortSignal): PairContext {
  return { framing: side.framing, spec: scenario.pair, seed, log, signal };
}

export function rerunCommand(scenario: LoadedScenario, seed: number): string {
  const rel = path.relative(process.cwd(), scenario.file) || scenario.file;
  return `npx wirefault run ${/[^\w./-]/.test(rel) ? JSON.stringify(rel) : rel} --seed ${seed}`;
}

/** Metrics of several client runs: counts add up, and so does the time. */
function addMetrics(a: PairMetrics, b: PairMetrics): PairMetrics {
  const sum = { ...a };
  for (const key of Object.keys(b) as (keyof PairMetrics)[]) sum[key] = a[key] + b[key];
  return sum;
}

function judge(result: ScenarioResult, scenario: LoadedScenario, noMetricsBecause?: string): void {
  const outcome = result.outcome === 'pass' ? 'pass' : 'fail';
  result.reasons = unmetExpectations(scenario.expect, outcome, result.outcome_reason, result.metrics, noMetricsBecause);
  result.status = result.reasons.length === 0 ? 'met' : 'unmet';
}

export async function runScenario(scenario: LoadedScenario, opts: RunOptions): Promise<ScenarioResult> {
  const seed = opts.seed ?? scenario.seed;
  const log = opts.log.child({ scenario: scenario.name });
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const dir = path.dirname(scenario.file);
  const abort = new AbortController();
  const onOuterAbort = (): void => abort.abort(new Error('run interrupted'));
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const timer = setTimeout(() => abort.abort(new ScenarioTimeout()), scenario.expect.timeoutMs);

  const { server: serverSide, client: clientSide } = scenario.pair;
  let server: RunningServer | undefined;
  let serverProc: ExternalProcess | undefined;
  let proxy: Awaited<ReturnType<typeof startScenarioProxy>> | undefined;
  let capture: ScenarioCapture | undefined;
  const result: ScenarioResult = {
    name: scenario.name,
    file: path.relative(process.cwd(), scenario.file),
    description: scenario.description,
    protocol: scenario.protocol,
    seed,
    faults: { upstream: scenario.proxy.upstream, downstream: scenario.proxy.downstream },
    status: 'error',
    outcome: 'error',
    expected_outcome: scenario.expect.outcome,
    reasons: [],
    started_at: startedAt,
    duration_ms: 0,
    rerun: rerunCommand(scenario, seed),
    proxy: { connections: 0, traces: [] },
  };

  const aborted = new Promise<never>((_, reject) => {
    abort.signal.addEventListener('abort', () => reject(abort.signal.reason), { once: true });
  });
  aborted.catch(() => {});

  try {
    let target: Address;
    if (serverSide.kind === 'builtin') {
      const pair: BuiltinPair = PAIRS[serverSide.name];
      server = await Promise.race([pair.startServer(pairContext(scenario, serverSide, seed, log, abort.signal), { host: '127.0.0.1', port: 0 }), aborted]);
      target = server.address;
    } else {
      const started = await Promise.race([startExternalServer(serverSide, scenario.protocol, dir, abort.signal), aborted]);
      serverProc = started.process;
      target = started.address;
    }
    if (opts.pcapDir) capture = openScenarioCapture(opts.pcapDir, result, log);
    proxy = await startScenarioProxy(scenario, target, seed, log, capture?.capture);
    log.debug({ proxy: formatAddress(proxy.address), target: formatAddress(target), seed }, 'scenario started');

    // Several clients run one after another against the same server: does it keep serving?
    const { clients } = scenario.pair;
    const failures: string[] = [];
    if (clientSide.kind === 'builtin') {
      for (let i = 0; i < clients; i++) {
        const clientSeed = i === 0 ? seed : mixSeed(seed, i);
        const ctx = pairContext(scenario, clientSide, clientSeed, log, abort.signal);
        const report = await Promise.race([PAIRS[clientSide.name].runClient(ctx, proxy.address), aborted]);
        result.metrics = result.metrics ? addMetrics(result.metrics, report.metrics) : report.metrics;
        if (i === 0 && report.boundaries) result.boundaries = report.boundaries;
        if (!report.survived) failures.push(clients > 1 ? `client ${i + 1}: ${report.reason}` : (report.reason ?? 'failed'));
      }
    } else {
      for (let i = 0; i < clients; i++) {
        const out = await runExternalClient(clientSide, proxy.address, dir, abort.signal);
        if (abort.signal.aborted) throw abort.signal.reason;
        if (out.exit_code !== 0 || !result.output?.client) result.output = { client: out };
        if (out.exit_code !== 0) {
          const how = `client exited with ${out.exit_code === null ? `signal ${out.signal}` : `code ${out.exit_code}`}`;
          failures.push(clients > 1 ? `client ${i + 1}: ${how}` : how);
        }
      }
    }
    result.outcome = failures.length === 0 ? 'pass' : 'fail';
    if (failures.length > 0) result.outcome_reason = failures.join('; ');
    judge(result, scenario);
  } catch (err) {
    if (err instanceof ScenarioTimeout) {
      // A pair that hangs has not survived: judged like any failure.
      result.outcome = 'fail';
      result.outcome_reason = `timed out after ${scenario.expect.timeoutMs} ms`;
      judge(result, scenario, 'the pair timed out before reporting');
    } else {
      result.status = 'error';
      result.outcome = 'error';
      result.reasons = [(err as Error).message];
      log.warn({ err: (err as Error).message }, 'scenario could not run');
    }
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onOuterAbort);
    abort.abort(new Error('scenario finished'));
    if (proxy) {
      result.proxy = proxy.traces();
      await proxy.close();
    }
    if (capture) {
      const file = await capture.close();
      if (file) result.capture = file;
    }
    if (server) {
      result.server_stats = server.stats;
      await server.close();
    }
    if (serverProc) {
      await serverProc.kill();
      result.output = { ...result.output, server: serverProc.output() };
    }
    result.duration_ms = Math.round(performance.now() - started);
  }
  return result;
}
