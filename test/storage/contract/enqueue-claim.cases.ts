import { Task } from '../../../lib/entities/index.js';
import type { ClaimedTask } from '../../../lib/storage/engine.js';
import { addJob, claimRequest, type ContractContext, GROUP, JOB, newTask, T0, taskRow } from './fixtures.js';

export function enqueueAndClaimCases(get: () => ContractContext): void {
  it('enqueue returns ids and is idempotent by uuid', async () => {
    const { engine } = get();
    const a = newTask();
    const b = newTask({ nextRunTime: null });
    const first = await engine.enqueue([a, b]);
    expect(first.map((r) => [r.uuid, r.created])).toEqual([
      [a.uuid, true],
      [b.uuid, true],
    ]);
    expect(first[0].id).not.toEqual(first[1].id);

    const c = newTask();
    const again = await engine.enqueue([{ ...a, jobName: 'other.job', payload: '{"changed":true}', runAs: null }, c]);
    // Nothing is written for a taken uuid; the caller learns what the existing task holds.
    expect(again[0]).toEqual({
      id: first[0].id,
      uuid: a.uuid,
      created: false,
      existing: { jobName: JOB, payload: '{"n":1}', runAs: 'user-7' },
    });
    expect(again[1]).toEqual({ id: expect.any(Number), uuid: c.uuid, created: true });

    const row = await taskRow(get(), first[0].id);
    expect(row).toMatchObject({ status: 'QUEUED', attempt: 0, timesRun: 0, timesFailed: 0, payload: '{"n":1}' });
    expect(row).toMatchObject({ nextRunTime: T0, runAs: 'user-7', queuedBy: 'test', group: GROUP, jobName: JOB });
    expect(row.createdAt).toEqual(row.updatedAt);
    // A null next run time means "now" on the database clock.
    const dbNow = await taskRow(get(), first[1].id);
    expect(dbNow.nextRunTime).toEqual(dbNow.createdAt);
    expect(Math.abs(dbNow.createdAt - Date.now())).toBeLessThan(60_000);
    expect(await get().dataSource.getRepository(Task).count()).toBe(3);
  });

  it('a uuid repeated within one batch is created once', async () => {
    const task = newTask();
    const results = await get().engine.enqueue([task, { ...task, payload: '{"n":2}' }]);
    expect(results.map((r) => r.created)).toEqual([true, false]);
    expect(results[0].id).toEqual(results[1].id);
    expect(results[1].existing).toEqual({ jobName: JOB, payload: '{"n":1}', runAs: 'user-7' });
    expect(await get().dataSource.getRepository(Task).count()).toBe(1);
  });

  it('enqueues of one uuid racing on separate connections create one task, and every other sees its content', async () => {
    const { engine, dataSource } = get();
    const uuid = `race-${Date.now()}`;
    for (let round = 0; round < 5; round++) {
      const racers = Array.from({ length: 8 }, (_, i) =>
        newTask({ uuid: `${uuid}-${round}`, payload: `{"racer":${i}}` }),
      );
      const results = (await Promise.all(racers.map((task) => engine.enqueue([task])))).map(([result]) => result);
      const winners = results.filter((r) => r.created);
      expect(winners).toHaveLength(1);
      const winner = racers[results.indexOf(winners[0])];
      for (const result of results.filter((r) => !r.created)) {
        expect(result).toEqual({
          id: winners[0].id,
          uuid: winner.uuid,
          created: false,
          existing: { jobName: JOB, payload: winner.payload, runAs: 'user-7' },
        });
      }
      expect(await dataSource.getRepository(Task).countBy({ uuid: winner.uuid })).toBe(1);
    }
  });

  it('an enqueue inside a transaction sees the task that holds its uuid', async () => {
    const { engine, dataSource } = get();
    const [held] = await engine.enqueue([newTask()]);
    const [again] = await dataSource.transaction((manager) =>
      engine.enqueue([newTask({ uuid: held.uuid, payload: '{"n":9}', runAs: null })], manager),
    );
    expect(again).toEqual({
      id: held.id,
      uuid: held.uuid,
      created: false,
      existing: { jobName: JOB, payload: '{"n":1}', runAs: 'user-7' },
    });
  });

  it('transactional enqueue through a manager is removed by a rollback and kept by a commit', async () => {
    const { engine, dataSource } = get();
    const rolledBack = newTask();
    await expect(
      dataSource.transaction(async (manager) => {
        const [result] = await engine.enqueue([rolledBack], manager);
        expect(result.created).toBe(true);
        expect(await manager.getRepository(Task).countBy({ uuid: rolledBack.uuid })).toBe(1);
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    expect(await dataSource.getRepository(Task).countBy({ uuid: rolledBack.uuid })).toBe(0);

    const committed = newTask();
    const [kept] = await dataSource.transaction((manager) => engine.enqueue([committed, committed], manager));
    expect(kept.created).toBe(true);
    expect(await dataSource.getRepository(Task).countBy({ uuid: committed.uuid })).toBe(1);
  });

  it('claim takes only due tasks and marks them RUNNING for the worker', async () => {
    const { engine } = get();
    const [soon, later] = await engine.enqueue([
      newTask({ nextRunTime: T0 + 1_000 }),
      newTask({ nextRunTime: T0 + 5_000 }),
    ]);
    expect(await engine.claim(claimRequest({ now: T0 + 999 }))).toEqual([]);

    const [claimed] = await engine.claim(claimRequest({ now: T0 + 2_000 }));
    expect(claimed).toMatchObject({
      id: soon.id,
      uuid: soon.uuid,
      jobName: JOB,
      group: GROUP,
      attempt: 1,
      scheduledFor: T0 + 1_000,
    });
    expect(claimed).toMatchObject({
      payload: '{"n":1}',
      timeoutMs: 30_000,
      retries: 0,
      runAs: 'user-7',
      timesRun: 0,
      timesFailed: 0,
    });
    expect(typeof claimed.claimToken).toBe('string');
    expect(claimed.claimToken.length).toBeGreaterThan(8);
    const row = await taskRow(get(), soon.id);
    expect(row).toMatchObject({ status: 'RUNNING', assignedWorker: 'worker-a', claimToken: claimed.claimToken });
    expect(row).toMatchObject({ claimedAt: T0 + 2_000, attempt: 1, stopRequested: false });

    expect(await engine.claim(claimRequest({ now: T0 + 2_000 }))).toEqual([]);
    expect((await engine.claim(claimRequest({ now: T0 + 5_000 }))).map((t) => t.id)).toEqual([later.id]);
  });

  it('claim with a null instant uses the database clock', async () => {
    const { engine } = get();
    const [past] = await engine.enqueue([newTask({ nextRunTime: Date.now() - 60_000 })]);
    await engine.enqueue([newTask({ nextRunTime: Date.now() + 3_600_000 })]);
    const claimed = await engine.claim(claimRequest({ now: null }));
    expect(claimed.map((t) => t.id)).toEqual([past.id]);
    expect(Math.abs(((await taskRow(get(), past.id)).claimedAt ?? 0) - Date.now())).toBeLessThan(60_000);
  });

  it('claim respects groups and job names', async () => {
    const { engine } = get();
    const [main, other, unknown] = await engine.enqueue([
      newTask(),
      newTask({ group: 'reports' }),
      newTask({ jobName: 'not.handled.here' }),
    ]);
    expect((await engine.claim(claimRequest({ groups: ['elsewhere'] }))).length).toBe(0);
    expect((await engine.claim(claimRequest({ groups: ['reports'] }))).map((t) => t.id)).toEqual([other.id]);
    expect((await engine.claim(claimRequest())).map((t) => t.id)).toEqual([main.id]);
    expect((await engine.claim(claimRequest({ jobNames: [JOB, 'not.handled.here'] }))).map((t) => t.id)).toEqual([
      unknown.id,
    ]);
  });

  it('claim takes higher priority first, then earlier due time, then lower id', async () => {
    const { engine } = get();
    const [a, b, c, d] = await engine.enqueue([
      newTask({ priority: 0, nextRunTime: T0 - 300 }),
      newTask({ priority: 5, nextRunTime: T0 - 100 }),
      newTask({ priority: 5, nextRunTime: T0 - 200 }),
      newTask({ priority: 0, nextRunTime: T0 - 300 }),
    ]);
    const order: number[] = [];
    for (let i = 0; i < 4; i++) order.push(...(await engine.claim(claimRequest({ limit: 1 }))).map((t) => t.id));
    expect(order).toEqual([c.id, b.id, a.id, d.id]);
  });

  it('claim skips tasks of inactive or missing job definitions', async () => {
    const { engine, dataSource } = get();
    await addJob(dataSource, 'job.active');
    await addJob(dataSource, 'job.inactive', { active: false });
    await addJob(dataSource, 'job.missing', { missing: true });
    const names = ['job.active', 'job.inactive', 'job.missing', 'job.undeclared'];
    const ids = await engine.enqueue(names.map((jobName) => newTask({ jobName })));
    const claimed = await engine.claim(claimRequest({ jobNames: names }));
    // A task whose job has no definition row yet is runnable: only an explicit toggle stops it.
    expect(claimed.map((t) => t.id).sort((x, y) => x - y)).toEqual([ids[0].id, ids[3].id]);
  });

  it('claim skips tasks whose stop time has passed', async () => {
    const { engine } = get();
    const [open, stillOpen] = await engine.enqueue([
      newTask({ stopTime: null }),
      newTask({ stopTime: T0 + 1 }),
      newTask({ stopTime: T0 }),
      newTask({ stopTime: T0 - 1 }),
    ]);
    const claimed = await engine.claim(claimRequest());
    expect(claimed.map((t) => t.id).sort((x, y) => x - y)).toEqual([open.id, stillOpen.id]);
  });

  it('claim returns at most limit tasks', async () => {
    const { engine } = get();
    await engine.enqueue(Array.from({ length: 7 }, () => newTask()));
    expect((await engine.claim(claimRequest({ limit: 3 }))).length).toBe(3);
    expect((await engine.claim(claimRequest({ limit: 3 }))).length).toBe(3);
    expect((await engine.claim(claimRequest({ limit: 3 }))).length).toBe(1);
    expect((await engine.claim(claimRequest({ limit: 0 }))).length).toBe(0);
  });

  it('concurrent claimers never get the same task (500 tasks, 4 claim loops)', async () => {
    const { engine, dataSource } = get();
    await engine.enqueue(
      Array.from({ length: 500 }, (_, i) => newTask({ priority: i % 3, nextRunTime: T0 - (i % 7) })),
    );
    const loop = async (worker: string): Promise<ClaimedTask[]> => {
      const mine: ClaimedTask[] = [];
      for (;;) {
        const batch = await engine.claim(claimRequest({ worker, limit: 7 }));
        if (batch.length === 0) return mine;
        mine.push(...batch);
      }
    };
    const results = await Promise.all(['w1', 'w2', 'w3', 'w4'].map(loop));
    const ids = results.flat().map((t) => t.id);
    expect(ids.length).toBe(500);
    expect(new Set(ids).size).toBe(500);
    expect(await engine.claim(claimRequest())).toEqual([]);
    expect(await dataSource.getRepository(Task).countBy({ status: 'RUNNING' })).toBe(500);
    // Each task's row names the worker whose claim returned it.
    const rows = await dataSource.getRepository(Task).find();
    const owner = new Map(results.flatMap((batch, i) => batch.map((t) => [t.id, `w${i + 1}`] as const)));
    for (const row of rows) expect(row.assignedWorker).toBe(owner.get(row.id));
  });
}
