// The proxy section's validation: every problem is reported at its key path, never as a throw
// from deep inside; a valid section becomes a ProxyConfig with defaults filled in.
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_BUFFER, checkProxySection, proxyConfig } from '../../proxy/config.ts';
import { ScenarioInvalidError } from '../../proxy/errors.ts';
import { TCP_FAULTS, UDP_FAULTS } from '../../proxy/faults/registry.ts';

/** The key paths of the issues found in `section` (validated as TCP). */
function paths(section: unknown): string[] {
  const result = checkProxySection(section, 'tcp');
  return result.ok ? [] : result.issues.map((i) => i.path);
}

function issues(section: unknown) {
  const result = checkProxySection(section, 'tcp');
  if (result.ok) throw new Error('expected the section to be invalid');
  return result.issues;
}

describe('proxy section validation', () => {
  it('a valid section keeps the chain order and fills defaults', () => {
    const config = proxyConfig(
      {
        listen: '127.0.0.1:0',
        target: '[::1]:9000',
        upstream: [{ split: { size: 3, gap_ms: 2 } }, { delay: { ms: 5 } }],
        downstream: [{ coalesce: { bytes: 64 } }],
      },
      'tcp',
    );
    expect(config.upstream.map((f) => f.name)).toEqual(['split', 'delay']);
    expect(config.upstream[0]!.options).toEqual({ size: 3, gap_ms: 2 });
    expect(config.downstream.map((f) => f.name)).toEqual(['coalesce']);
    expect(config.listen).toEqual({ host: '127.0.0.1', port: 0 });
    expect(config.target).toEqual({ host: '::1', port: 9000 });
    expect(config.maxBuffer).toBe(DEFAULT_MAX_BUFFER);
  });

  it('an empty or missing section is a passthrough proxy', () => {
    for (const section of [undefined, null, {}]) {
      const config = proxyConfig(section, 'tcp');
      expect(config.upstream).toEqual([]);
      expect(config.downstream).toEqual([]);
    }
  });

  it('every TCP fault accepts its documented options', () => {
    const chain = [
      { split: { min: 1, max: 7, gap_ms: 1 } },
      { coalesce: { bytes: 64, window_ms: 20 } },
      { delay: { ms: 5, jitter_ms: 2 } },
      { throttle: { bytes_per_sec: 1000 } },
      { drop: { at: 3, bytes: 2, every: 10 } },
      { corrupt: { rate: 0.01 } },
      { corrupt: { at: [1, 2] } },
      { reset: { after_bytes: 10 } },
      { close: { after_ms: 10, half: true } },
      { blackhole: { after_bytes: 5, close_after_ms: 100 } },
      { limit: { bytes: 10, probability: 0.5 } },
      { slow_close: { ms: 5 } },
    ];
    expect(paths({ upstream: chain })).toEqual([]);
    expect(new Set(chain.map((f) => Object.keys(f)[0]))).toEqual(new Set(Object.keys(TCP_FAULTS)));
  });

  it('an unknown fault name is reported at its path, with the known names', () => {
    const [issue] = issues({ upstream: [{ delay: { ms: 1 } }, { splt: { size: 3 } }] });
    expect(issue!.path).toBe('proxy.upstream[1].splt');
    expect(issue!.expected).toContain('split');
    expect(issue!.found).toContain('splt');
  });

  it('a UDP fault under TCP says so', () => {
    const udpOnly = Object.keys(UDP_FAULTS).find((name) => !(name in TCP_FAULTS));
    if (udpOnly === undefined) return; // no UDP-only fault registered yet
    const [issue] = issues({ downstream: [{ [udpOnly]: {} }] });
    expect(issue!.path).toBe(`proxy.downstream[0].${udpOnly}`);
    expect(issue!.found).toContain('udp fault');
  });

  it('unknown keys are errors, in the section and in fault options', () => {
    expect(paths({ lisen: '127.0.0.1:0' })).toEqual(['proxy.lisen']);
    expect(paths({ upstream: [{ split: { size: 3, gapms: 2 } }] })).toEqual(['proxy.upstream[0].split.gapms']);
    expect(issues({ lisen: 'x' })[0]!.found).toContain('lisen');
  });

  it('wrong types and ranges name the key', () => {
    expect(paths({ upstream: [{ split: { size: 'three' } }] })).toEqual(['proxy.upstream[0].split.size']);
    expect(paths({ upstream: [{ delay: { ms: -1 } }] })).toEqual(['proxy.upstream[0].delay.ms']);
    expect(paths({ downstream: [{ corrupt: { rate: 1.5 } }] })).toEqual(['proxy.downstream[0].corrupt.rate']);
    expect(paths({ upstream: [{ drop: { at: 0, probability: 2 } }] })).toEqual(['proxy.upstream[0].drop.probability']);
    expect(paths({ max_buffer: 10 })).toEqual(['proxy.max_buffer']);
    expect(paths({ upstream: [{ coalesce: {} }] })).toEqual(['proxy.upstream[0].coalesce.bytes']);
  });

  it('cross-field rules: min > max, exactly one of, bytes < every', () => {
    expect(paths({ upstream: [{ split: { min: 9, max: 2 } }] })).toEqual(['proxy.upstream[0].split.min']);
    expect(paths({ upstream: [{ split: { size: 3, max: 4 } }] })).toEqual(['proxy.upstream[0].split.size']);
    expect(paths({ upstream: [{ split: { min: 3 } }] })).toEqual(['proxy.upstream[0].split.max']);
    expect(paths({ upstream: [{ reset: { after_bytes: 1, after_ms: 1 } }] })).toEqual(['proxy.upstream[0].reset']);
    expect(paths({ upstream: [{ close: {} }] })).toEqual(['proxy.upstream[0].close']);
    expect(paths({ upstream: [{ corrupt: {} }] })).toEqual(['proxy.upstream[0].corrupt']);
    expect(paths({ upstream: [{ corrupt: { rate: 0.1, at: 3 } }] })).toEqual(['proxy.upstream[0].corrupt']);
    expect(paths({ upstream: [{ blackhole: { after_bytes: 1, after_ms: 1 } }] })).toEqual(['proxy.upstream[0].blackhole']);
    expect(paths({ upstream: [{ drop: { bytes: 2 } }] })).toEqual(['proxy.upstream[0].drop.at']);
    expect(paths({ upstream: [{ drop: { every: 5, bytes: 5 } }] })).toEqual(['proxy.upstream[0].drop.bytes']);
    const [issue] = issues({ upstream: [{ reset: { after_bytes: 1, after_ms: 1 } }] });
    expect(issue!.expected).toContain('exactly one of after_bytes, after_ms');
  });

  it('UDP-only keys under TCP are errors', () => {
    expect(paths({ idle_timeout_ms: 1000 })).toEqual(['proxy.idle_timeout_ms']);
    expect(paths({ max_sessions: 5 })).toEqual(['proxy.max_sessions']);
    expect(issues({ max_sessions: 5 })[0]!.expected).toContain('udp');
  });

  it('malformed chains and items', () => {
    expect(paths({ upstream: { split: { size: 3 } } })).toEqual(['proxy.upstream']);
    expect(paths({ upstream: [{ split: { size: 3 }, delay: { ms: 1 } }] })).toEqual(['proxy.upstream[0]']);
    expect(paths({ upstream: ['split'] })).toEqual(['proxy.upstream[0]']);
  });

  it('bad addresses', () => {
    expect(paths({ listen: 'localhost' })).toEqual(['proxy.listen']);
    expect(paths({ target: '127.0.0.1:70000' })).toEqual(['proxy.target']);
  });

  it('reports every problem at once, in both directions', () => {
    expect(paths({ upstream: [{ splt: {} }], downstream: [{ delay: { ms: 'x' } }] })).toEqual([
      'proxy.upstream[0].splt',
      'proxy.downstream[0].delay.ms',
    ]);
  });

  it('proxyConfig throws a coded ScenarioInvalidError naming file and path', () => {
    let caught: unknown;
    try {
      proxyConfig({ upstream: [{ splt: {} }] }, 'tcp', 'demo.yaml');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ScenarioInvalidError);
    const err = caught as ScenarioInvalidError;
    expect(err.code).toBe('ERR_SCENARIO_INVALID');
    expect(err.message).toContain('demo.yaml');
    expect(err.message).toContain('proxy.upstream[0].splt');
  });
});
