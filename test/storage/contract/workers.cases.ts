import { Run, Task, Worker } from '../../../lib/entities/index.js';
import {
  claimRequest,
  type ContractContext,
  newTask,
  outcome,
  running,
  runsOf,
  sleep,
  T0,
  taskRow,
  workerRecord,
  workerRow,
} from './fixtures.js';

const DEAD_AFTER = 30_000;
const NOW = T0 + 100_000;

export function workerCases(get: () => ContractContext): void {
  it('heartbeat inserts the worker row, then updates it and returns its status', async () => {
    const { engine, dataSource } = get();
    expect(await engine.heartbeat(workerRecord('w1', { running: 1 }), T0)).toBe('ACTIVE');
    const first = await workerRow(get(), 'w1');
    expect(first).toMatchObject({
      status: 'ACTIVE',
      firstHeartbeat: T0,
      lastHeartbeat: T0,
      running: 1,
      hostname: 'host-1',
      pid: 4242,
    });
    expect(JSON.parse(first!.groups)).toEqual(['main']);

    await dataSource.getRepository(Worker).update({ name: 'w1' }, { status: 'TERMINATE' });
    const status = await engine.heartbeat(
      workerRecord('w1', { running: 3, completed: 5, failed: 2, groups: ['main', 'x'], pid: 99 }),
      T0 + 5_000,
    );
    expect(status).toBe('TERMINATE');
    const second = await workerRow(get(), 'w1');
    expect(second).toMatchObject({
      status: 'TERMINATE',
      firstHeartbeat: T0,
      lastHeartbeat: T0 + 5_000,
      running: 3,
      completed: 5,
      failed: 2,
      pid: 99,
    });
    expect(JSON.parse(second!.groups)).toEqual(['main', 'x']);

    await engine.heartbeat(workerRecord('w1'), null);
    expect(Math.abs((await workerRow(get(), 'w1'))!.lastHeartbeat - Date.now())).toBeLessThan(60_000);
  });

  it('removeWorker deletes the worker row', async () => {
    const { engine } = get();
    await engine.heartbeat(workerRecord('w1'), T0);
    await engine.heartbeat(workerRecord('w2'), T0);
    await engine.removeWorker('w1');
    await engine.removeWorker('never-existed');
    expect(await workerRow(get(), 'w1')).toBeNull();
    expect(await workerRow(get(), 'w2')).not.toBeNull();
  });

  it('rescueOrphans re-queues or fails the tasks of dead workers, records LOST runs, and is idempotent', async () => {
    const ctx = get();
    const { engine } = ctx;
    await engine.heartbeat(workerRecord('dead'), T0);
    await engine.heartbeat(workerRecord('alive'), NOW - 1_000);
    const retried = await running(ctx, 'dead', { retries: 1 });
    const failed = await running(ctx, 'dead', { retries: 0 });
    const recurring = await running(ctx, 'dead', { schedule: '{"every":"1 minute"}' });
    const healthy = await running(ctx, 'alive');
    const ghost = await running(ctx, 'ghost'); // no worker row at all, claimed long ago
    const fresh = await running(ctx, 'newbie', {}, NOW - 5_000); // no row yet, but claimed just now
    await engine.saveProgress([
      { taskId: retried.id, claimToken: retried.claimToken, progress: 30, progressMessage: null, output: 'partial' },
    ]);

    expect(await engine.rescueOrphans(DEAD_AFTER, NOW)).toEqual({ requeued: 2, failed: 2 });

    expect(await taskRow(ctx, retried.id)).toMatchObject({
      status: 'QUEUED',
      nextRunTime: NOW,
      attempt: 1,
      timesFailed: 1,
      assignedWorker: null,
      claimToken: null,
      claimedAt: null,
      output: null,
    });
    expect(await taskRow(ctx, failed.id)).toMatchObject({ status: 'FAILED', timesFailed: 1, claimToken: null });
    expect(await taskRow(ctx, recurring.id)).toMatchObject({ status: 'QUEUED', nextRunTime: NOW, attempt: 0 });
    expect(await taskRow(ctx, ghost.id)).toMatchObject({ status: 'FAILED' });
    expect(await taskRow(ctx, healthy.id)).toMatchObject({ status: 'RUNNING', claimToken: healthy.claimToken });
    expect(await taskRow(ctx, fresh.id)).toMatchObject({ status: 'RUNNING', claimToken: fresh.claimToken });

    const [lost] = await runsOf(ctx, retried.id);
    expect(lost).toMatchObject({
      status: 'LOST',
      worker: 'dead',
      attempt: 1,
      scheduledFor: T0,
      startTime: T0,
      stopTime: NOW,
      durationMs: NOW - T0,
      message: 'worker lost: dead stopped heartbeating',
      output: 'partial',
      runAs: 'user-7',
    });
    expect((await runsOf(ctx, ghost.id))[0]).toMatchObject({
      status: 'LOST',
      message: 'worker lost: ghost stopped heartbeating',
    });
    expect(await ctx.dataSource.getRepository(Run).count()).toBe(4);

    // The dead worker's row is gone (nothing of it runs any more); the live one stays.
    expect(await workerRow(ctx, 'dead')).toBeNull();
    expect(await workerRow(ctx, 'alive')).not.toBeNull();

    expect(await engine.rescueOrphans(DEAD_AFTER, NOW)).toEqual({ requeued: 0, failed: 0 });
    expect(await ctx.dataSource.getRepository(Run).count()).toBe(4);

    // The dead worker's late write-back is fenced out; the retry counts as attempt 2.
    expect(await engine.complete([outcome(retried, 'dead')])).toEqual([retried.id]);
    const again = await engine.claim(claimRequest({ now: NOW, worker: 'alive' }));
    expect(again.map((t) => [t.id, t.attempt]).sort()).toEqual(
      [
        [retried.id, 2],
        [recurring.id, 1],
      ].sort(),
    );
  });

  it('rescueOrphans on the database clock judges rows the database stamped: a worker heard just now is spared, one silent for deadAfter is rescued', async () => {
    const ctx = get();
    // Both stamps and the comparison are the database's `now` (null instants), as live workers use them.
    await ctx.engine.heartbeat(workerRecord('back-after-outage'), null);
    await ctx.engine.heartbeat(workerRecord('silent'), null);
    const spared = await running(ctx, 'back-after-outage');
    const lost = await running(ctx, 'silent', { retries: 1 });
    await sleep(1_200);
    await ctx.engine.heartbeat(workerRecord('back-after-outage'), null); // its first heartbeat after the outage
    expect(await ctx.engine.rescueOrphans(1_000, null)).toEqual({ requeued: 1, failed: 0 });
    expect(await taskRow(ctx, spared.id)).toMatchObject({ status: 'RUNNING', claimToken: spared.claimToken });
    expect(await taskRow(ctx, lost.id)).toMatchObject({ status: 'QUEUED', claimToken: null });
    expect((await runsOf(ctx, lost.id))[0]).toMatchObject({
      status: 'LOST',
      message: 'worker lost: silent stopped heartbeating',
    });
  });

  it('rescueOrphans run by two workers at once rescues every task exactly once', async () => {
    const ctx = get();
    await ctx.engine.heartbeat(workerRecord('dead'), T0);
    await ctx.engine.enqueue(Array.from({ length: 40 }, (_, i) => newTask({ retries: i % 2 })));
    expect((await ctx.engine.claim(claimRequest({ worker: 'dead', limit: 100 }))).length).toBe(40);
    const reports = await Promise.all([
      ctx.engine.rescueOrphans(DEAD_AFTER, NOW),
      ctx.engine.rescueOrphans(DEAD_AFTER, NOW),
    ]);
    expect(reports.reduce((sum, r) => sum + r.requeued, 0)).toBe(20);
    expect(reports.reduce((sum, r) => sum + r.failed, 0)).toBe(20);
    expect(await ctx.dataSource.getRepository(Run).countBy({ status: 'LOST' })).toBe(40);
    expect(await ctx.dataSource.getRepository(Task).countBy({ status: 'RUNNING' })).toBe(0);
  });

  it('expire marks queued tasks whose stop time has passed EXPIRED', async () => {
    const ctx = get();
    const [past, exact, future, open] = await ctx.engine.enqueue([
      newTask({ stopTime: T0 - 1 }),
      newTask({ stopTime: T0 }),
      newTask({ stopTime: T0 + 1 }),
      newTask({ stopTime: null }),
    ]);
    const busy = await running(ctx, 'worker-a', { stopTime: T0 + 10 }, T0 - 100);
    expect(await ctx.engine.expire(T0)).toBe(2);
    expect((await taskRow(ctx, past.id)).status).toBe('EXPIRED');
    expect((await taskRow(ctx, exact.id)).status).toBe('EXPIRED');
    expect((await taskRow(ctx, future.id)).status).toBe('QUEUED');
    expect((await taskRow(ctx, open.id)).status).toBe('QUEUED');
    expect(await ctx.engine.expire(T0 + 1_000)).toBe(1);
    expect((await taskRow(ctx, busy.id)).status).toBe('RUNNING');
    expect(await ctx.engine.expire(T0 + 1_000)).toBe(0);
  });

  it('waitForWork resolves promptly when aborted', async () => {
    const { engine } = get();
    const aborted = new AbortController();
    aborted.abort();
    let started = Date.now();
    await engine.waitForWork(10_000, aborted.signal);
    expect(Date.now() - started).toBeLessThan(100);

    const controller = new AbortController();
    started = Date.now();
    setTimeout(() => controller.abort(), 30);
    await engine.waitForWork(10_000, controller.signal);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('waitForWork wakes on enqueue (within 100 ms on postgres; other dialects may just time out)', async () => {
    const { engine, dialect } = get();
    const signal = new AbortController().signal;
    // Drain wake-ups left over from earlier cases.
    await engine.waitForWork(50, signal);
    await engine.waitForWork(50, signal);

    let wokeAt = 0;
    const started = Date.now();
    const waiting = engine.waitForWork(dialect === 'postgres' ? 10_000 : 300, signal).then(() => (wokeAt = Date.now()));
    await sleep(50);
    expect(wokeAt).toBe(0);
    await engine.enqueue([newTask()]);
    const enqueuedAt = Date.now();
    await waiting;
    if (dialect === 'postgres') expect(wokeAt - enqueuedAt).toBeLessThan(100);
    else expect(wokeAt - started).toBeLessThan(2_000);
  });
}
