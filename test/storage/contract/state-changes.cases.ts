import { JobDefinition, Run, Task, Worker } from '../../../lib/entities/index.js';
import type { DefinitionSpec, StoppedTask } from '../../../lib/storage/engine.js';
import {
  addJob,
  claimRequest,
  type ContractContext,
  GROUP,
  JOB,
  newTask,
  outcome,
  running,
  T0,
  taskRow,
  workerRecord,
  workerRow,
} from './fixtures.js';

const NOW = T0 + 60_000;

/** A definition as discovery declares it; override what a case needs. */
function definition(overrides: Partial<DefinitionSpec> = {}): DefinitionSpec {
  return {
    name: 'nightly',
    kind: 'scheduled',
    schedule: '"0 3 * * *"',
    scheduleNormalized: '{"kind":"cron"}',
    timezone: 'UTC',
    description: 'Nightly sync',
    timeoutMs: 5_000,
    retries: 2,
    group: GROUP,
    priority: 1,
    kwargs: '{"full":true}',
    source: 'code',
    active: true,
    ...overrides,
  };
}

const definitionRow = (ctx: ContractContext, name: string): Promise<JobDefinition> =>
  ctx.dataSource.getRepository(JobDefinition).findOneByOrFail({ name });

/** Store the single task row of a recurring job, as definition sync does. */
async function scheduledTask(ctx: ContractContext, nextRunTime = T0): Promise<number> {
  const [{ id }] = await ctx.engine.enqueue([
    newTask({ uuid: `kronos:schedule:${JOB}`, schedule: '{"every":60000}', repeats: 0, nextRunTime, payload: null }),
  ]);
  return id;
}

/**
 * Every change of state outside the hot path: stopping a task, worker commands, job definitions,
 * schedule and slot moves, pruning, and what a worker reads to check its leases.
 */
export function stateChangeCases(get: () => ContractContext): void {
  describe('stopTask', () => {
    it('stops a queued task at once and reports it; asks the worker of a running one; leaves finished ones', async () => {
      const ctx = get();
      const [queued] = await ctx.engine.enqueue([newTask({ nextRunTime: T0 + 999_999 })]);
      const busy = await running(ctx, 'worker-a');
      const stopped: StoppedTask[] = [];

      expect(await ctx.engine.stopTask(queued.id, NOW, stopped)).toBe('STOPPED');
      expect(stopped).toEqual([{ taskId: queued.id, jobName: JOB, attempt: 0, runAs: 'user-7', at: NOW }]);
      expect(await taskRow(ctx, queued.id)).toMatchObject({ status: 'STOPPED', updatedAt: NOW });

      expect(await ctx.engine.stopTask(busy.id, NOW, stopped)).toBe('RUNNING');
      expect(await taskRow(ctx, busy.id)).toMatchObject({
        status: 'RUNNING',
        stopRequested: true,
        claimToken: busy.claimToken,
      });
      expect(await ctx.engine.stopRequests('worker-a')).toEqual([busy.id]);
      expect(stopped).toHaveLength(1);

      await ctx.engine.complete([outcome(busy, 'worker-a')]);
      expect(await ctx.engine.stopTask(busy.id, NOW + 1)).toBe('COMPLETED');
      expect(await ctx.engine.stopTask(queued.id, NOW + 1)).toBe('STOPPED');
      expect((await taskRow(ctx, queued.id)).updatedAt).toBe(NOW);
      expect(await ctx.engine.stopTask(queued.id + busy.id + 1000, NOW)).toBeNull();
    });
  });

  describe('lease checks', () => {
    it('tasksHeldBy lists the running tasks of a worker as a claim returns them', async () => {
      const ctx = get();
      const mine = await running(ctx, 'worker-a', { payload: '{"x":2}', priority: 3 });
      await running(ctx, 'worker-b');
      await ctx.engine.enqueue([newTask()]);
      expect(await ctx.engine.tasksHeldBy('worker-a')).toEqual([mine]);
      expect(await ctx.engine.tasksHeldBy('nobody')).toEqual([]);
      await ctx.engine.complete([outcome(mine, 'worker-a')]);
      expect(await ctx.engine.tasksHeldBy('worker-a')).toEqual([]);
    });

    it('leaseTokens reads the current claim token of each task', async () => {
      const ctx = get();
      const held = await running(ctx, 'worker-a');
      const [queued] = await ctx.engine.enqueue([newTask({ nextRunTime: T0 + 999_999 })]);
      const tokens = await ctx.engine.leaseTokens([held.id, queued.id, held.id + queued.id + 1000]);
      expect(tokens).toEqual(
        new Map([
          [held.id, held.claimToken],
          [queued.id, null],
        ]),
      );
      expect(await ctx.engine.leaseTokens([])).toEqual(new Map());
    });
  });

  it('commandWorkers sets the command of the named workers only, read back by their heartbeat', async () => {
    const ctx = get();
    for (const name of ['w1', 'w2', 'w3']) await ctx.engine.heartbeat(workerRecord(name), T0);
    await ctx.engine.commandWorkers(['w1', 'w3'], 'DISABLED');
    await ctx.engine.commandWorkers([], 'KILL');
    expect(await ctx.engine.heartbeat(workerRecord('w1'), T0 + 1)).toBe('DISABLED');
    expect((await workerRow(ctx, 'w2'))!.status).toBe('ACTIVE');
    expect((await workerRow(ctx, 'w3'))!.status).toBe('DISABLED');
    expect(await ctx.dataSource.getRepository(Worker).count()).toBe(3);
  });

  describe('job definitions', () => {
    it('addDefinition inserts once; a second process adding the same name changes nothing', async () => {
      const ctx = get();
      const [first, second] = await Promise.all([
        ctx.engine.addDefinition(definition(), T0),
        ctx.engine.addDefinition(definition({ description: 'other' }), T0 + 1),
      ]);
      expect([first, second].sort()).toEqual([false, true]);
      expect(await ctx.engine.addDefinition(definition({ description: 'later' }), T0 + 2)).toBe(false);
      expect(await definitionRow(ctx, 'nightly')).toMatchObject({
        kind: 'scheduled',
        schedule: '"0 3 * * *"',
        scheduleNormalized: '{"kind":"cron"}',
        timezone: 'UTC',
        scheduleSetBy: 'code',
        active: true,
        activeSetBy: 'code',
        timeoutMs: 5_000,
        retries: 2,
        group: GROUP,
        priority: 1,
        kwargs: '{"full":true}',
        source: 'code',
        missing: false,
      });
      expect(['Nightly sync', 'other']).toContain((await definitionRow(ctx, 'nightly')).description);
    });

    it('updateDefinition writes what the code owns and keeps what an admin set; markDefinitionMissing flags it', async () => {
      const ctx = get();
      await ctx.engine.addDefinition(definition(), T0);
      await ctx.engine.markDefinitionMissing('nightly', T0 + 1);
      expect(await definitionRow(ctx, 'nightly')).toMatchObject({ missing: true, updatedAt: T0 + 1 });

      await ctx.engine.updateDefinition(
        definition({ retries: 5, schedule: '"0 4 * * *"', active: false }),
        T0 + 2,
        true,
      );
      expect(await definitionRow(ctx, 'nightly')).toMatchObject({
        retries: 5,
        schedule: '"0 4 * * *"',
        active: false,
        missing: false,
        lastSeen: T0 + 2,
        updatedAt: T0 + 2,
      });

      await ctx.engine.setDefinitionActive('nightly', true, T0 + 3);
      await ctx.engine.moveSchedule(
        { uuid: 'kronos:schedule:nightly', schedule: '{}', repeats: 0, stopTime: null, nextRunTime: null, now: T0 + 3 },
        {
          name: 'nightly',
          schedule: '"every 5 minutes"',
          scheduleNormalized: '{"kind":"interval"}',
          timezone: null,
          setBy: 'admin',
        },
      );
      await ctx.engine.updateDefinition(
        definition({ priority: 9, schedule: '"0 5 * * *"', active: false }),
        T0 + 4,
        false,
      );
      expect(await definitionRow(ctx, 'nightly')).toMatchObject({
        priority: 9,
        lastSeen: T0 + 4,
        updatedAt: T0 + 3,
        active: true,
        activeSetBy: 'admin',
        schedule: '"every 5 minutes"',
        scheduleNormalized: '{"kind":"interval"}',
        timezone: null,
        scheduleSetBy: 'admin',
      });
    });
  });

  describe('schedule and slot moves', () => {
    it('moveSchedule moves a waiting recurring task to its first slot; a running one keeps its lease', async () => {
      const ctx = get();
      const id = await scheduledTask(ctx, T0 + 500_000);
      await ctx.dataSource.getRepository(Task).update(id, { attempt: 2 });
      await ctx.engine.moveSchedule({
        uuid: `kronos:schedule:${JOB}`,
        schedule: '{"every":120000}',
        repeats: 3,
        stopTime: T0 + 9_000_000,
        task: { payload: '{"k":1}', group: 'other', priority: 4, retries: 1, runAs: null },
        nextRunTime: T0 + 120_000,
        now: NOW,
      });
      expect(await taskRow(ctx, id)).toMatchObject({
        schedule: '{"every":120000}',
        repeats: 3,
        stopTime: T0 + 9_000_000,
        payload: '{"k":1}',
        group: 'other',
        priority: 4,
        retries: 1,
        runAs: null,
        nextRunTime: T0 + 120_000,
        status: 'QUEUED',
        attempt: 0,
        updatedAt: NOW,
      });

      await ctx.dataSource.getRepository(Task).update(id, { group: GROUP, nextRunTime: T0 });
      const [claimed] = await ctx.engine.claim(claimRequest());
      await ctx.engine.moveSchedule({
        uuid: `kronos:schedule:${JOB}`,
        schedule: '{"every":1000}',
        repeats: 0,
        stopTime: null,
        nextRunTime: NOW,
        now: NOW,
      });
      expect(await taskRow(ctx, id)).toMatchObject({
        schedule: '{"every":1000}',
        status: 'RUNNING',
        nextRunTime: T0,
        claimToken: claimed.claimToken,
        payload: '{"k":1}',
      });
    });

    it('moveSchedule without a task row stores the definition schedule only', async () => {
      const ctx = get();
      await addJob(ctx.dataSource, 'lonely');
      await ctx.engine.moveSchedule(
        { uuid: 'kronos:schedule:lonely', schedule: '{}', repeats: 0, stopTime: null, nextRunTime: NOW, now: NOW },
        {
          name: 'lonely',
          schedule: '"1 hour"',
          scheduleNormalized: '{"kind":"interval"}',
          timezone: null,
          setBy: 'admin',
        },
      );
      expect(await definitionRow(ctx, 'lonely')).toMatchObject({
        schedule: '"1 hour"',
        scheduleSetBy: 'admin',
        updatedAt: NOW,
      });
      expect(await ctx.dataSource.getRepository(Task).count()).toBe(0);
    });

    it('moveSlot moves a queued task only while it still waits for the slot it was read at', async () => {
      const ctx = get();
      const id = await scheduledTask(ctx, T0);
      await ctx.dataSource.getRepository(Task).update(id, { attempt: 1 });
      expect(await ctx.engine.moveSlot({ taskId: id, from: T0 + 1, to: NOW, resetAttempt: true, now: NOW })).toBe(
        false,
      );
      expect(await ctx.engine.moveSlot({ taskId: id, from: T0, to: NOW, resetAttempt: false, now: NOW })).toBe(true);
      expect(await taskRow(ctx, id)).toMatchObject({ nextRunTime: NOW, attempt: 1, status: 'QUEUED', updatedAt: NOW });
      expect(
        await ctx.engine.moveSlot({ taskId: id, from: NOW, to: NOW + 60_000, resetAttempt: true, now: NOW + 1 }),
      ).toBe(true);
      expect(await taskRow(ctx, id)).toMatchObject({ nextRunTime: NOW + 60_000, attempt: 0 });
      expect(
        await ctx.engine.moveSlot({ taskId: id, from: NOW + 60_000, to: null, resetAttempt: false, now: NOW + 2 }),
      ).toBe(true);
      expect(await taskRow(ctx, id)).toMatchObject({
        status: 'EXPIRED',
        nextRunTime: NOW + 60_000,
        updatedAt: NOW + 2,
      });
      expect(
        await ctx.engine.moveSlot({ taskId: id, from: NOW + 60_000, to: NOW, resetAttempt: false, now: NOW + 3 }),
      ).toBe(false);
    });

    it('moveSlot leaves a task a worker claimed meanwhile', async () => {
      const ctx = get();
      const held = await running(ctx, 'worker-a');
      expect(await ctx.engine.moveSlot({ taskId: held.id, from: T0, to: NOW, resetAttempt: true, now: NOW })).toBe(
        false,
      );
      expect(await taskRow(ctx, held.id)).toMatchObject({ status: 'RUNNING', nextRunTime: T0, attempt: 1 });
    });
  });

  describe('pruneBatch', () => {
    it('deletes old finished runs and tasks by batches, oldest first, never recurring or unfinished tasks', async () => {
      const ctx = get();
      const done = [];
      for (let i = 0; i < 3; i++) done.push(await running(ctx, 'worker-a')); // one at a time: each claims its own task
      await ctx.engine.complete(done.map((task) => outcome(task, 'worker-a', { startTime: T0, stopTime: T0 + 1 })));
      const failed = await running(ctx, 'worker-a');
      await ctx.engine.complete([
        outcome(failed, 'worker-a', {
          runStatus: 'FAILED',
          taskStatus: 'FAILED',
          startTime: T0 + 5_000,
          stopTime: T0 + 5_001,
        }),
      ]);
      const live = await running(ctx, 'worker-a');
      const recurring = await scheduledTask(ctx, T0 + 999_999);
      await ctx.dataSource.getRepository(Task).update(recurring, { status: 'COMPLETED' });
      const [queued] = await ctx.engine.enqueue([newTask({ nextRunTime: T0 + 999_999 })]);
      await ctx.dataSource.getRepository(Task).createQueryBuilder().update().set({ updatedAt: T0 }).execute();
      const runs = ctx.dataSource.getRepository(Run);
      const filter = { before: T0 + 1_000, statuses: ['COMPLETED', 'FAILED'] };

      expect((await ctx.engine.pruneBatch('runs', filter, 2)).deleted).toBe(2);
      expect((await runs.find({ order: { id: 'ASC' } })).map((r) => r.taskId)).toEqual([done[2].id, failed.id]);
      expect((await ctx.engine.pruneBatch('runs', filter, 2)).deleted).toBe(1);
      expect(await ctx.engine.pruneBatch('runs', filter, 2)).toEqual({ deleted: 0, lastId: 0 });
      expect(await runs.count()).toBe(1); // the FAILED run started after `before`

      expect((await ctx.engine.pruneBatch('tasks', { before: T0 + 1, statuses: ['COMPLETED'] }, 10)).deleted).toBe(3);
      expect((await ctx.engine.pruneBatch('tasks', { before: T0, statuses: ['FAILED'] }, 10)).deleted).toBe(0);
      expect(
        (await ctx.engine.pruneBatch('tasks', { before: T0 + 1, statuses: ['FAILED', 'QUEUED', 'RUNNING'] }, 10))
          .deleted,
      ).toBe(1);
      const left = (await ctx.dataSource.getRepository(Task).find({ order: { id: 'ASC' } })).map((t) => t.id);
      expect(left).toEqual([live.id, recurring, queued.id]);
    });

    it('reports the last id it deleted, and a batch given it (afterId) resumes above it, leaving lower ids alone', async () => {
      const ctx = get();
      const done = [];
      for (let i = 0; i < 5; i++) done.push(await running(ctx, 'worker-a'));
      await ctx.engine.complete(done.map((task) => outcome(task, 'worker-a', { startTime: T0, stopTime: T0 + 1 })));
      await ctx.dataSource.getRepository(Task).createQueryBuilder().update().set({ updatedAt: T0 }).execute();
      const runs = ctx.dataSource.getRepository(Run);
      const ids = (await runs.find({ order: { id: 'ASC' } })).map((r) => r.id);
      const filter = { before: T0 + 1_000, statuses: ['COMPLETED'] };

      expect(await ctx.engine.pruneBatch('runs', { ...filter, afterId: ids[1] }, 2)).toEqual({
        deleted: 2,
        lastId: ids[3],
      });
      expect(await ctx.engine.pruneBatch('runs', { ...filter, afterId: ids[3] }, 2)).toEqual({
        deleted: 1,
        lastId: ids[4],
      });
      expect(await ctx.engine.pruneBatch('runs', { ...filter, afterId: ids[4] }, 2)).toEqual({ deleted: 0, lastId: 0 });
      expect((await runs.find({ order: { id: 'ASC' } })).map((r) => r.id)).toEqual(ids.slice(0, 2));

      const tasks = done.map((task) => task.id).sort((a, b) => a - b);
      const taskFilter = { before: T0 + 1, statuses: ['COMPLETED'] };
      expect(await ctx.engine.pruneBatch('tasks', { ...taskFilter, afterId: tasks[2] }, 10)).toEqual({
        deleted: 2,
        lastId: tasks[4],
      });
      const left = (await ctx.dataSource.getRepository(Task).find({ order: { id: 'ASC' } })).map((t) => t.id);
      expect(left).toEqual(tasks.slice(0, 3));
    });
  });
}
