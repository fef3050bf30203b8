// The virtual clock: timers run in time order (ties in scheduling order), cancelled ones never run.
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../framing/index.ts';

describe('VirtualClock', () => {
  it('runs timers in time order, then scheduling order, moving time to each', () => {
    const clock = new VirtualClock();
    const log: string[] = [];
    clock.setTimer(20, () => log.push(`b@${clock.now()}`));
    clock.setTimer(10, () => {
      log.push(`a@${clock.now()}`);
      clock.setTimer(10, () => log.push(`c@${clock.now()}`));
    });
    const cancelled = clock.setTimer(15, () => log.push('never'));
    clock.clearTimer(cancelled);
    expect(clock.pending).toBe(2);
    expect(clock.run()).toBe(false);
    expect(log).toEqual(['a@10', 'b@20', 'c@20']);
    expect(clock.pending).toBe(0);
  });

  it('stops when the condition holds or the time limit is reached, and advances exactly', () => {
    const clock = new VirtualClock();
    let n = 0;
    const tick = () => {
      n++;
      clock.setTimer(5, tick);
    };
    tick();
    expect(clock.run(() => n === 4)).toBe(true);
    expect(clock.now()).toBe(15);
    expect(clock.run(() => false, 12)).toBe(false);
    expect(clock.now()).toBe(25);
    clock.advance(3);
    expect(clock.now()).toBe(28);
    expect(n).toBe(6);
  });
});
