import { Task } from '../../../lib/entities/index.js';
import type { DedupRequest } from '../../../lib/storage/engine.js';
import {
  addJob,
  claimRequest,
  type ContractContext,
  JOB,
  newTask,
  outcome,
  running,
  runsOf,
  T0,
  taskRow,
} from './fixtures.js';

const exists = async (ctx: ContractContext, id: number): Promise<boolean> =>
  (await ctx.dataSource.getRepository(Task).countBy({ id })) === 1;

/** `JobOptions.removeOnComplete`: the outcome's `removeTask` deletes the task and keeps its run. */
export function removeOnCompleteCases(get: () => ContractContext): void {
  beforeEach(async () => {
    const { dataSource } = get();
    await dataSource.query('DELETE FROM kronos_task_dependency');
    await dataSource.query('DELETE FROM kronos_task_batch');
    await addJob(dataSource, JOB);
  });

  it('a task completed with removeTask is deleted, its run row kept; the rest of the batch is updated as usual', async () => {
    const ctx = get();
    const removed = await running(ctx, 'worker-a');
    const kept = await running(ctx, 'worker-a');
    expect(
      await ctx.engine.complete([outcome(removed, 'worker-a', { removeTask: true }), outcome(kept, 'worker-a')]),
    ).toEqual([]);

    expect(await exists(ctx, removed.id)).toBe(false);
    const runs = await runsOf(ctx, removed.id);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      taskId: removed.id,
      jobName: removed.jobName,
      status: 'COMPLETED',
      worker: 'worker-a',
      result: '{"synced":12}',
      output: 'line 1\nline 2',
      runAs: 'user-7',
    });
    expect((await taskRow(ctx, kept.id)).status).toBe('COMPLETED');
    expect(await runsOf(ctx, kept.id)).toHaveLength(1);
  });

  it('asked for run ids (lifecycle events), a batch that deletes tasks returns the id of each run row written', async () => {
    const ctx = get();
    const removed = await running(ctx, 'worker-a');
    const kept = await running(ctx, 'worker-a');
    const stale = await running(ctx, 'worker-a');
    const runIds: number[] = [];
    expect(
      await ctx.engine.complete(
        [
          outcome(removed, 'worker-a', { removeTask: true }),
          outcome(kept, 'worker-a', { runStatus: 'FAILED', taskStatus: 'FAILED' }),
          outcome(stale, 'worker-a', { claimToken: 'stale', removeTask: true }),
        ],
        runIds,
      ),
    ).toEqual([stale.id]);
    expect(runIds).toEqual([(await runsOf(ctx, removed.id))[0].id, (await runsOf(ctx, kept.id))[0].id, 0]);
    expect(await exists(ctx, removed.id)).toBe(false);
    expect((await taskRow(ctx, kept.id)).status).toBe('FAILED');
    expect((await taskRow(ctx, stale.id)).status).toBe('RUNNING');
  });

  it('removeTask with a stale claim token deletes nothing and is reported as fenced', async () => {
    const ctx = get();
    const task = await running(ctx, 'worker-a');
    expect(await ctx.engine.complete([outcome(task, 'worker-a', { claimToken: 'stale', removeTask: true })])).toEqual([
      task.id,
    ]);
    expect(await taskRow(ctx, task.id)).toMatchObject({ status: 'RUNNING', claimToken: task.claimToken });
    expect(await runsOf(ctx, task.id)).toHaveLength(0);
  });

  it('a task whose dedup window needs its row is updated, not deleted, and still holds its key', async () => {
    const ctx = get();
    const dedup: DedupRequest = { key: 'k-keep', windowMs: 60_000, onConflict: 'keep', now: T0 };
    const held = await ctx.engine.enqueueUnique(newTask(), dedup);
    const [task] = await ctx.engine.claim(claimRequest({ now: T0, limit: 1 }));
    expect(task.id).toBe(held.id);
    expect(await ctx.engine.complete([outcome(task, 'worker-a', { removeTask: true })])).toEqual([]);

    expect(await taskRow(ctx, task.id)).toMatchObject({ status: 'COMPLETED', dedupKey: 'k-keep' });
    expect(await runsOf(ctx, task.id)).toHaveLength(1);
    const again = await ctx.engine.enqueueUnique(newTask(), { ...dedup, now: T0 + 1000 });
    expect(again).toMatchObject({ id: task.id, created: false });
  });

  it('a task with dependents is updated, not deleted, and its dependent is released', async () => {
    const ctx = get();
    const [parent] = await ctx.engine.enqueue([newTask()]);
    const {
      tasks: [child],
    } = await ctx.engine.enqueueFlow([{ ...newTask(), dependsOn: [parent.id], onDependencyFailure: 'cancel' }], null);
    const [claimed] = await ctx.engine.claim(claimRequest({ now: T0 + 1000, limit: 1 }));
    expect(claimed.id).toBe(parent.id);
    expect(await ctx.engine.complete([outcome(claimed, 'worker-a', { removeTask: true })])).toEqual([]);

    expect((await taskRow(ctx, parent.id)).status).toBe('COMPLETED');
    expect((await taskRow(ctx, child.id)).status).toBe('QUEUED');
  });
}
