// slow_close as the peers see it: the data at once, the FIN only ms later.
import { describe, expect, it } from 'vitest';
import { collect, pattern, throughProxy, useCleanup } from '../../../helpers/net.ts';

describe('slow_close', () => {
  const cleanup = useCleanup();

  it('delivers the bytes without delay and holds the FIN for ms', async () => {
    const { client } = await throughProxy(cleanup, { downstream: [{ slow_close: { ms: 150 } }] });
    let firstData = 0;
    client.once('data', () => (firstData = performance.now()));
    const got = collect(client);
    const sent = performance.now();
    client.end(pattern(100));
    const result = await got;
    const ended = performance.now();
    expect(result.data.equals(pattern(100))).toBe(true);
    // Lower bounds only: the FIN waited at least the delay after the data went through.
    expect(ended - firstData).toBeGreaterThanOrEqual(140);
    expect(ended - sent).toBeGreaterThanOrEqual(140);
  });
});
