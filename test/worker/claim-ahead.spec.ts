import { ClaimAhead } from '../../lib/worker/claim-ahead.js';
import type { ClaimedTask } from '../../lib/storage/engine.js';

const task = (id: number, payload: string | null = '{"n":1}'): ClaimedTask => ({
  id,
  uuid: `u${id}`,
  jobName: 'j',
  payload,
  group: 'main',
  priority: 0,
  timeoutMs: null,
  retries: 0,
  attempt: 1,
  timesRun: 0,
  timesFailed: 0,
  repeats: 0,
  schedule: null,
  scheduledFor: 0,
  runAs: null,
  claimToken: `t${id}`,
  traceContext: null,
});
const tasks = (from: number, count: number, payload?: string) =>
  Array.from({ length: count }, (_, i) => task(from + i, payload));

describe('ClaimAhead', () => {
  it('claims only for free slots until an attempt has been timed', () => {
    const ahead = new ClaimAhead(10, 500);
    expect(ahead.depth).toBe(0);
    expect(ahead.want(0)).toBe(10);
    expect(ahead.want(4)).toBe(6);
    expect(ahead.want(10)).toBe(0);
  });

  it('claims ahead what the slots start within 50 ms, at most batchSize', () => {
    const ahead = new ClaimAhead(10, 500);
    ahead.finished(0.05);
    expect(ahead.depth).toBe(500);
    expect(ahead.want(0)).toBe(500); // one claim is never more than batchSize
    const medium = new ClaimAhead(10, 500);
    medium.finished(10);
    expect(medium.depth).toBe(50); // 10 slots × 50 ms / 10 ms
  });

  it('gives slow tasks no look-ahead, so claimed tasks do not wait behind them', () => {
    const ahead = new ClaimAhead(10, 500);
    for (let i = 0; i < 20; i++) ahead.finished(800);
    expect(ahead.depth).toBe(0);
    expect(ahead.want(10)).toBe(0);
    expect(ahead.want(7)).toBe(3);
  });

  it('refills once half the look-ahead is used, in batches', () => {
    const ahead = new ClaimAhead(10, 100);
    ahead.finished(0.05);
    ahead.push(tasks(1, 100));
    expect(ahead.want(10)).toBe(0); // 100 ready: nothing to claim
    ahead.take();
    ahead.push(tasks(1, 60));
    expect(ahead.want(10)).toBe(0); // 40 of 100 room: not yet
    ahead.take();
    ahead.push(tasks(1, 50));
    expect(ahead.want(10)).toBe(50);
  });

  it('bounds the look-ahead by about 4 MB of payloads', () => {
    const ahead = new ClaimAhead(10, 500);
    ahead.finished(0.05);
    ahead.push(tasks(1, 40, 'x'.repeat(256 * 1024)));
    expect(ahead.depth).toBeLessThanOrEqual(17);
  });

  it('starts ready tasks only into free slots, in claim order', () => {
    const ahead = new ClaimAhead(2, 10);
    ahead.push(tasks(1, 3));
    expect(ahead.next(2)).toBeUndefined();
    expect(ahead.next(1)?.id).toBe(1);
    expect(ahead.holds(2)).toBe(true);
    expect(ahead.take().map((t) => t.id)).toEqual([2, 3]);
    expect(ahead.holds(2)).toBe(false);
  });
});
