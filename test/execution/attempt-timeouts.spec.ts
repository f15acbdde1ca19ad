import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { AttemptTimeouts, type TimedAttempt } from '../../lib/execution/attempt-timeouts.js';

/** An attempt that records when it timed out (fake time). */
const attempt = (fired: string[], name: string): TimedAttempt => ({
  deadline: 0,
  timedOut: () => fired.push(`${name}@${Date.now()}`),
});

describe('AttemptTimeouts', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('times an attempt out when its timeout has passed, not before', () => {
    const fired: string[] = [];
    const timeouts = new AttemptTimeouts();
    timeouts.add(attempt(fired, 'a'), 1000);
    jest.advanceTimersByTime(999);
    expect(fired).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(fired).toEqual(['a@1000']);
  });

  it('never times out an attempt removed before its deadline', () => {
    const fired: string[] = [];
    const timeouts = new AttemptTimeouts();
    const a = attempt(fired, 'a');
    timeouts.add(a, 1000);
    jest.advanceTimersByTime(500);
    timeouts.remove(a);
    jest.advanceTimersByTime(5000);
    expect(fired).toEqual([]);
  });

  it('times out attempts sharing a timeout each at its own deadline, in start order', () => {
    const fired: string[] = [];
    const timeouts = new AttemptTimeouts();
    timeouts.add(attempt(fired, 'a'), 1000);
    jest.advanceTimersByTime(300);
    const b = attempt(fired, 'b');
    timeouts.add(b, 1000);
    jest.advanceTimersByTime(200);
    timeouts.add(attempt(fired, 'c'), 1000);
    jest.advanceTimersByTime(500);
    expect(fired).toEqual(['a@1000']);
    jest.advanceTimersByTime(300);
    expect(fired).toEqual(['a@1000', 'b@1300']);
    jest.advanceTimersByTime(200);
    expect(fired).toEqual(['a@1000', 'b@1300', 'c@1500']);
  });

  it('keeps timing later attempts when the oldest one finished first', () => {
    const fired: string[] = [];
    const timeouts = new AttemptTimeouts();
    const a = attempt(fired, 'a');
    timeouts.add(a, 1000);
    jest.advanceTimersByTime(100);
    timeouts.add(attempt(fired, 'b'), 1000);
    timeouts.remove(a);
    jest.advanceTimersByTime(1000);
    expect(fired).toEqual(['b@1100']);
  });

  it('times out attempts with different timeouts independently', () => {
    const fired: string[] = [];
    const timeouts = new AttemptTimeouts();
    timeouts.add(attempt(fired, 'slow'), 5000);
    timeouts.add(attempt(fired, 'fast'), 100);
    jest.advanceTimersByTime(5000);
    expect(fired).toEqual(['fast@100', 'slow@5000']);
  });

  it('starts again after its list emptied: a new attempt still times out', () => {
    const fired: string[] = [];
    const timeouts = new AttemptTimeouts();
    timeouts.add(attempt(fired, 'a'), 1000);
    jest.advanceTimersByTime(1000);
    jest.advanceTimersByTime(10_000);
    timeouts.add(attempt(fired, 'b'), 1000);
    jest.advanceTimersByTime(1000);
    expect(fired).toEqual(['a@1000', 'b@12000']);
  });

  it('does not keep the process alive for a pending timeout', () => {
    const timeouts = new AttemptTimeouts();
    const spy = jest.spyOn(globalThis, 'setTimeout');
    timeouts.add(attempt([], 'a'), 1000);
    const timer = spy.mock.results[0]?.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    spy.mockRestore();
  });
});
