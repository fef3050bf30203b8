// UDP fault options are validated like any scenario key: cross-field rules name the key at fault.
import { describe, expect, it } from 'vitest';
import { checkProxySection } from '../../../../proxy/config.ts';

function problems(fault: Record<string, unknown>) {
  const result = checkProxySection({ upstream: [fault] }, 'udp');
  return result.ok ? [] : result.issues.map(({ path, expected, found }) => ({ path, expected, found }));
}

describe('UDP fault options', () => {
  it('accepts each fault in its documented forms', () => {
    for (const fault of [
      { drop: { rate: 0.2 } },
      { drop: { rate: 0.1, mean_burst: 4 } },
      { drop: { model: 'gilbert-elliott', p: 0.05, r: 0.2, h: 0.2, k: 0.99 } },
      { drop: { model: 'gilbert-elliott', p: 0.01 } },
      { duplicate: { rate: 0.1, copies: 3 } },
      { reorder: { rate: 0.1, gap: 4, hold_ms: 20 } },
      { delay: { ms: 10, jitter_ms: 5 } },
      { truncate: { max_bytes: 512 } },
      { corrupt: { rate: 0.01, probability: 0.5 } },
      { throttle: { bytes_per_sec: 10_000, queue: 20 } },
      { throttle: { datagrams_per_sec: 0.5 } },
    ]) {
      expect(problems(fault), JSON.stringify(fault)).toEqual([]);
    }
  });

  it('rejects mixed or missing drop forms, naming the key', () => {
    expect(problems({ drop: { p: 0.1 } })[0]).toMatchObject({ path: 'proxy.upstream[0].drop.p', expected: 'this key only with model: gilbert-elliott' });
    expect(problems({ drop: { model: 'gilbert-elliott', p: 0.1, rate: 0.2 } })[0]).toMatchObject({ path: 'proxy.upstream[0].drop.rate' });
    expect(problems({ drop: { model: 'gilbert-elliott' } })[0]).toMatchObject({ path: 'proxy.upstream[0].drop.p', found: 'nothing' });
    expect(problems({ drop: {} })[0]).toMatchObject({ path: 'proxy.upstream[0].drop.rate' });
    expect(problems({ drop: { model: 'gilbert', p: 0.1 } })[0]).toMatchObject({ path: 'proxy.upstream[0].drop.model' });
  });

  it('rejects a loss rate that bursts of mean_burst cannot reach', () => {
    // p = rate·r/(1−rate) = 0.9·0.5/0.1 = 4.5: not a probability.
    expect(problems({ drop: { rate: 0.9, mean_burst: 2 } })[0]).toEqual({
      path: 'proxy.upstream[0].drop.mean_burst',
      expected: 'at least 9.000 for rate 0.9',
      found: '2',
    });
    expect(problems({ drop: { rate: 1, mean_burst: 2 } })[0]).toMatchObject({ path: 'proxy.upstream[0].drop.rate' });
  });

  it('rejects bad throttle, duplicate, reorder and truncate options', () => {
    expect(problems({ throttle: { bytes_per_sec: 1, datagrams_per_sec: 1 } })[0]).toMatchObject({
      expected: 'exactly one of bytes_per_sec, datagrams_per_sec',
    });
    expect(problems({ throttle: {} })[0]).toMatchObject({ found: 'none of them' });
    expect(problems({ duplicate: { rate: 0.5, copies: 0 } })[0]).toMatchObject({ path: 'proxy.upstream[0].duplicate.copies' });
    expect(problems({ reorder: { rate: 0.5, gap: 5000 } })[0]).toMatchObject({ path: 'proxy.upstream[0].reorder.gap' });
    expect(problems({ truncate: {} })[0]).toMatchObject({ path: 'proxy.upstream[0].truncate.max_bytes' });
    expect(problems({ corrupt: { rate: 0.1, at: 3 } })[0]).toMatchObject({ found: 'the unknown key "at"' });
  });

  it('a TCP fault under protocol udp says so', () => {
    expect(problems({ split: { size: 1 } })[0]).toMatchObject({ found: '"split" (split is a tcp fault)' });
  });
});
