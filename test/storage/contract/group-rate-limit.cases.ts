import { randomUUID } from 'node:crypto';
import { Task } from '../../../lib/entities/index.js';
import {
  addJob,
  claimConcurrently,
  claimRequest,
  claimsPerWindow,
  type ContractContext,
  JOB,
  newTask,
  T0,
} from './fixtures.js';

const OTHER = 'contract.other';

/** A group name of its own per case: the group rate table is not emptied between cases. */
const freshGroup = (): string => `rated-${randomUUID().slice(0, 8)}`;

/** Group rate limits: at most `limit` claims of a group's tasks, of any job, per fixed window. */
export function groupRateLimitCases(get: () => ContractContext): void {
  it('claims at most limit tasks of the group per window, across its jobs; the rest stay QUEUED', async () => {
    const { dataSource, engine } = get();
    const group = freshGroup();
    const groupRate = { group, limit: 3, perMs: 1000 };
    await addJob(dataSource, JOB);
    await addJob(dataSource, OTHER);
    await engine.enqueue([
      ...Array.from({ length: 4 }, () => newTask({ group })),
      ...Array.from({ length: 4 }, () => newTask({ group, jobName: OTHER })),
    ]);
    const rated = (now: number, jobNames = [JOB, OTHER], limit = 10) =>
      engine.claim(claimRequest({ groups: [group], jobNames, groupRate, now, limit }));
    expect(await rated(T0, [JOB], 2)).toHaveLength(2);
    // The other job of the group shares the window: one start left in it.
    expect(await rated(T0 + 300, [OTHER])).toHaveLength(1);
    expect(await rated(T0 + 999)).toEqual([]);
    expect(await dataSource.getRepository(Task).countBy({ group, status: 'QUEUED' })).toBe(5);
    const next = await rated(T0 + 1000);
    expect(next).toHaveLength(3);
    expect(await rated(T0 + 1999)).toEqual([]);
    // A window without claims is skipped over: the next one starts from zero.
    expect(await rated(T0 + 4500)).toHaveLength(2);
  });

  it("judges a claimer whose clock is behind the group's stored window in that window, and stamps its tasks inside it", async () => {
    const { dataSource, engine } = get();
    const group = freshGroup();
    const groupRate = { group, limit: 3, perMs: 1000 };
    await addJob(dataSource, JOB);
    await engine.enqueue(Array.from({ length: 8 }, () => newTask({ group })));
    const rated = (now: number, limit = 10) => engine.claim(claimRequest({ groups: [group], groupRate, now, limit }));
    expect(await rated(T0 + 1010, 2)).toHaveLength(2);
    // A clock from the window before: judged in the stored window, where one start is left.
    const late = await rated(T0 + 990);
    expect(late).toHaveLength(1);
    const [row] = await dataSource.getRepository(Task).findBy({ id: late[0].id });
    expect(Math.floor(row.claimedAt! / 1000)).toBe(Math.floor((T0 + 1000) / 1000));
    expect(await rated(T0 + 1500)).toEqual([]);
    expect(await rated(T0 + 2000)).toHaveLength(3);
  });

  it('holds back only its own group: the same jobs in another group are claimed as usual', async () => {
    const { dataSource, engine } = get();
    const group = freshGroup();
    await addJob(dataSource, JOB);
    await engine.enqueue([
      ...Array.from({ length: 5 }, () => newTask({ group })),
      ...Array.from({ length: 5 }, () => newTask()),
    ]);
    const groupRate = { group, limit: 2, perMs: 1000 };
    expect(await engine.claim(claimRequest({ groups: [group], groupRate }))).toHaveLength(2);
    expect(await engine.claim(claimRequest())).toHaveLength(5);
  });

  it("combines with the job's own rate limit and concurrency: the smallest room wins, and each window counts the claim", async () => {
    const { dataSource, engine } = get();
    const group = freshGroup();
    await addJob(dataSource, JOB);
    await engine.enqueue([
      ...Array.from({ length: 8 }, () => newTask({ group })),
      ...Array.from({ length: 6 }, () => newTask()),
    ]);
    const groupRate = { group, limit: 4, perMs: 1000 };
    const rate = { limit: 3, perMs: 1000 };
    // The job's limit (3) is the smaller one.
    expect(await engine.claim(claimRequest({ groups: [group], groupRate, rate }))).toHaveLength(3);
    // Those 3 counted in the job's window too: nothing left for the job in another group.
    expect(await engine.claim(claimRequest({ rate, now: T0 + 10 }))).toEqual([]);
    // Next window: the group allows 4, the job 3, its concurrency (5, with 3 running) 2.
    expect(
      await engine.claim(claimRequest({ groups: [group], groupRate, rate, maxRunning: 5, now: T0 + 1000 })),
    ).toHaveLength(2);
    // Those 2 counted in the group's window: 2 of its 4 starts are left, though 3 tasks wait.
    expect(await engine.claim(claimRequest({ groups: [group], groupRate, now: T0 + 1001 }))).toHaveLength(2);
    expect(await engine.claim(claimRequest({ groups: [group], groupRate, now: T0 + 1002 }))).toEqual([]);
  });

  it('holds under contention: 6 concurrent claimers of two jobs on the database clock never exceed the limit in a window', async () => {
    const { dataSource, engine } = get();
    const group = freshGroup();
    await addJob(dataSource, JOB);
    await addJob(dataSource, OTHER);
    await engine.enqueue([
      ...Array.from({ length: 15 }, () => newTask({ group })),
      ...Array.from({ length: 15 }, () => newTask({ group, jobName: OTHER })),
    ]);
    const groupRate = { group, limit: 5, perMs: 200 };
    const claimer = (worker: string, jobNames: string[]) => ({
      worker,
      groups: [group],
      jobNames,
      groupRate,
      limit: 3,
    });
    const starts = await claimConcurrently(get(), 30, [
      claimer('w1', [JOB]),
      claimer('w2', [OTHER]),
      claimer('w3', [JOB, OTHER]),
      claimer('w4', [JOB]),
      claimer('w5', [OTHER]),
      claimer('w6', [JOB, OTHER]),
    ]);
    expect(starts).toHaveLength(30);
    const { most, windows } = claimsPerWindow(starts, groupRate.perMs);
    expect(most).toBeLessThanOrEqual(groupRate.limit);
    expect(windows).toBeGreaterThanOrEqual(6);
  });
}
