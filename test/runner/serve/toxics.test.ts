// The toxic → fault mapping of docs/serve.md, and toxic updates, without sockets.
import { describe, expect, it } from 'vitest';
import { faultChains, parseNewToxic, toxicFault, toxicTypes, updatedToxic } from '../../../runner/serve/toxics.ts';

const free = () => false;
const make = (body: unknown, protocol: 'tcp' | 'udp' = 'tcp') => parseNewToxic(body, protocol, free);

describe('toxic to fault mapping', () => {
  it('maps each Toxiproxy type onto the documented fault', () => {
    const cases: [string, Record<string, number>, unknown][] = [
      ['latency', { latency: 100, jitter: 10 }, { name: 'delay', options: { ms: 100, jitter_ms: 10 } }],
      ['latency', {}, undefined],
      ['bandwidth', { rate: 64 }, { name: 'throttle', options: { bytes_per_sec: 64_000 } }],
      ['bandwidth', { rate: 0 }, undefined],
      ['timeout', { timeout: 0 }, { name: 'blackhole', options: {} }],
      ['timeout', { timeout: 250 }, { name: 'blackhole', options: { close_after_ms: 250 } }],
      ['reset_peer', { timeout: 20 }, { name: 'reset', options: { after_ms: 20 } }],
      ['slicer', { average_size: 10, size_variation: 4, delay: 1500 }, { name: 'split', options: { min: 6, max: 14, gap_ms: 1.5 } }],
      ['slicer', { average_size: 3, size_variation: 5 }, { name: 'split', options: { min: 1, max: 8, gap_ms: 0 } }],
      ['limit_data', { bytes: 7 }, { name: 'limit', options: { bytes: 7 } }],
      ['noop', {}, undefined],
    ];
    for (const [type, attributes, fault] of cases) {
      expect(toxicFault(make({ type, attributes }), 'tcp'), `${type} ${JSON.stringify(attributes)}`).toEqual(fault);
    }
  });

  it('passes our own faults through and turns toxicity into probability', () => {
    const toxic = make({ type: 'coalesce', stream: 'upstream', toxicity: 0.25, attributes: { bytes: 64 } });
    expect(toxicFault(toxic, 'tcp')).toEqual({ name: 'coalesce', options: { bytes: 64, probability: 0.25 } });
    const chains = faultChains([toxic, make({ type: 'latency', attributes: { latency: 5 } })], 'tcp');
    expect(chains.upstream.map((f) => f.name)).toEqual(['coalesce']);
    expect(chains.downstream.map((f) => f.name)).toEqual(['delay']);
  });

  it('offers per protocol the types whose faults exist', () => {
    expect(toxicTypes('tcp')).toEqual(expect.arrayContaining(['latency', 'slicer', 'limit_data', 'split', 'corrupt']));
    expect(toxicTypes('udp')).toEqual(expect.arrayContaining(['latency', 'bandwidth', 'noop', 'duplicate', 'reorder']));
    expect(toxicTypes('udp')).not.toContain('slicer');
  });

  it('an update merges attributes; null keeps a Toxiproxy attribute and removes one of ours', () => {
    const latency = make({ type: 'latency', attributes: { latency: 100, jitter: 5 } });
    expect(updatedToxic(latency, { attributes: { latency: 200 } }, 'tcp').attributes).toEqual({ latency: 200, jitter: 5 });
    expect(updatedToxic(latency, { attributes: { jitter: null }, toxicity: 0.5 }, 'tcp')).toMatchObject({
      attributes: { latency: 100, jitter: 5 },
      toxicity: 0.5,
    });
    const split = make({ type: 'split', attributes: { size: 4 } });
    const switched = updatedToxic(split, { attributes: { size: null, min: 2, max: 9 } }, 'tcp');
    expect(switched.attributes).toEqual({ min: 2, max: 9 });
    expect(() => updatedToxic(split, { attributes: { min: 2 } }, 'tcp')).toThrow(/attributes/);
  });
});
