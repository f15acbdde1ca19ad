import { Task } from '../../../lib/entities/index.js';
import {
  addJob,
  claimConcurrently,
  claimRequest,
  claimsPerWindow,
  type ContractContext,
  JOB,
  newTask,
  outcome,
  T0,
} from './fixtures.js';

const RATE = { limit: 3, perMs: 1000 };

/** Per-job rate limits: at most `limit` claims per fixed window, across concurrent claimers. */
export function rateLimitCases(get: () => ContractContext): void {
  it('claims at most limit tasks per window; the rest stay QUEUED until the next window', async () => {
    const { dataSource, engine } = get();
    await addJob(dataSource, JOB);
    await engine.enqueue(Array.from({ length: 8 }, () => newTask()));
    expect(await engine.claim(claimRequest({ rate: RATE, limit: 2 }))).toHaveLength(2);
    expect(await engine.claim(claimRequest({ worker: 'worker-b', rate: RATE, now: T0 + 400 }))).toHaveLength(1);
    // Finishing tasks frees no start: the window counts starts, not running tasks.
    expect(await engine.claim(claimRequest({ worker: 'worker-b', rate: RATE, now: T0 + 999 }))).toEqual([]);
    expect(await dataSource.getRepository(Task).countBy({ status: 'QUEUED' })).toBe(5);
    expect(await engine.claim(claimRequest({ rate: RATE, now: T0 + 1000 }))).toHaveLength(3);
    expect(await engine.claim(claimRequest({ rate: RATE, now: T0 + 1500 }))).toEqual([]);
    // A window with no claim at all is skipped over: the next one starts from zero.
    expect(await engine.claim(claimRequest({ rate: RATE, now: T0 + 3200 }))).toHaveLength(2);
  });

  it('counts per job: another job, and the same job without rate, are not held back by it', async () => {
    const { dataSource, engine } = get();
    await addJob(dataSource, JOB);
    await addJob(dataSource, 'contract.other');
    await engine.enqueue([
      ...Array.from({ length: 5 }, () => newTask()),
      ...Array.from({ length: 5 }, () => newTask({ jobName: 'contract.other' })),
    ]);
    expect(await engine.claim(claimRequest({ rate: RATE }))).toHaveLength(3);
    expect(await engine.claim(claimRequest({ jobNames: ['contract.other'], rate: RATE }))).toHaveLength(3);
    expect(await engine.claim(claimRequest({ jobNames: ['contract.other'] }))).toHaveLength(2);
  });

  it('combines with maxRunning: the smaller room wins', async () => {
    const { dataSource, engine } = get();
    await addJob(dataSource, JOB);
    await engine.enqueue(Array.from({ length: 6 }, () => newTask()));
    const first = await engine.claim(claimRequest({ rate: RATE, maxRunning: 2 }));
    expect(first).toHaveLength(2);
    await engine.complete([outcome(first[0], 'worker-a')]);
    expect(await engine.claim(claimRequest({ rate: RATE, maxRunning: 2 }))).toHaveLength(1);
    expect(await engine.claim(claimRequest({ rate: RATE, maxRunning: 5 }))).toEqual([]);
  });

  it('judges a claimer whose clock is behind the stored window (it waited for the lock) in that window, never in the one before', async () => {
    const { dataSource, engine } = get();
    await addJob(dataSource, JOB);
    await engine.enqueue(Array.from({ length: 8 }, () => newTask()));
    expect(await engine.claim(claimRequest({ rate: RATE, now: T0 + 1010 }))).toHaveLength(3);
    // Its clock was read before the other claim committed, in the window before: that window is
    // over, and the current one is full.
    expect(await engine.claim(claimRequest({ worker: 'worker-b', rate: RATE, now: T0 + 990 }))).toEqual([]);
    // The full window's count was not overwritten: a later claim in it gets nothing either.
    expect(await engine.claim(claimRequest({ rate: RATE, now: T0 + 1500 }))).toEqual([]);
    expect(await engine.claim(claimRequest({ rate: RATE, now: T0 + 2000 }))).toHaveLength(3);
  });

  it('claims nothing for a job that has no definition row (nowhere to count)', async () => {
    const { engine } = get();
    await engine.enqueue([newTask()]);
    expect(await engine.claim(claimRequest({ rate: RATE }))).toEqual([]);
  });

  it('holds under contention: 6 concurrent claimers on the database clock never exceed the limit in a window', async () => {
    const { dataSource, engine } = get();
    await addJob(dataSource, JOB);
    await engine.enqueue(Array.from({ length: 30 }, () => newTask()));
    const rate = { limit: 5, perMs: 200 };
    const claimers = ['w1', 'w2', 'w3', 'w4', 'w5', 'w6'].map((worker) => ({ worker, rate, limit: 3 }));
    const starts = await claimConcurrently(get(), 30, claimers);
    expect(starts).toHaveLength(30);
    // Each task's claimed_at is the clock its window was judged by: count claims per window.
    const { most, windows } = claimsPerWindow(starts, rate.perMs);
    expect(most).toBeLessThanOrEqual(rate.limit);
    expect(windows).toBeGreaterThanOrEqual(6);
  });
}
