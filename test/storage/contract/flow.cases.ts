import { Task } from '../../../lib/entities/index.js';
import { UnknownDependencyError } from '../../../lib/errors.js';
import type { ClaimedTask, FlowTask, NewBatch, NewTask } from '../../../lib/storage/engine.js';
import { addJob, claimRequest, type ContractContext, JOB, newTask, outcome, T0, taskRow } from './fixtures.js';

const flowTask = (dependsOn: number[], overrides: Partial<FlowTask> = {}): FlowTask => ({
  ...newTask(),
  dependsOn,
  onDependencyFailure: 'cancel',
  ...overrides,
});
const CALLBACK = 'contract.batch-done';
const callbackTask = (payload: string): NewTask => newTask({ jobName: CALLBACK, payload, runAs: null });
const batchOf = (callbacks: Record<string, NewTask> | null): NewBatch => ({
  description: 'nightly import',
  callbacks: callbacks && JSON.stringify(callbacks),
  now: T0,
});

export function flowCases(get: () => ContractContext): void {
  beforeEach(async () => {
    const { dataSource } = get();
    await dataSource.query('DELETE FROM kronos_task_dependency');
    await dataSource.query('DELETE FROM kronos_task_batch');
    await addJob(dataSource, JOB);
  });

  const claimAll = (now = T0 + 1000): Promise<ClaimedTask[]> => get().engine.claim(claimRequest({ now, limit: 100 }));
  const finish = async (task: ClaimedTask, status: 'COMPLETED' | 'FAILED' = 'COMPLETED'): Promise<void> => {
    expect(await get().engine.complete([outcome(task, 'worker-a', { runStatus: status, taskStatus: status })])).toEqual(
      [],
    );
  };
  const statusOf = async (id: number): Promise<string> => (await taskRow(get(), id)).status;

  it('a task that depends on unfinished tasks is WAITING, never claimed, and QUEUED once every dependency COMPLETED', async () => {
    const { engine } = get();
    const [a, b] = await engine.enqueue([newTask(), newTask()]);
    const {
      tasks: [c],
      batchId,
      settle,
    } = await engine.enqueueFlow([flowTask([a.id, b.id])], null);
    expect(batchId).toBeNull();
    expect(settle).toEqual([]);
    expect(await statusOf(c.id)).toBe('WAITING');
    const claimed = await claimAll();
    expect(claimed.map((t) => t.id).sort()).toEqual([a.id, b.id].sort());
    await finish(claimed.find((t) => t.id === a.id) as ClaimedTask);
    expect(await statusOf(c.id)).toBe('WAITING');
    expect(await claimAll()).toEqual([]);
    await finish(claimed.find((t) => t.id === b.id) as ClaimedTask);
    expect(await statusOf(c.id)).toBe('QUEUED');
    expect((await claimAll(T0 + 2000)).map((t) => t.id)).toEqual([c.id]);
  });

  it('a dependency that fails cancels its dependents down the chain; with onDependencyFailure wait they stay WAITING', async () => {
    const { engine } = get();
    const [a] = await engine.enqueue([newTask()]);
    const {
      tasks: [b, w],
    } = await engine.enqueueFlow([flowTask([a.id]), flowTask([a.id], { onDependencyFailure: 'wait' })], null);
    const {
      tasks: [c],
    } = await engine.enqueueFlow([flowTask([b.id])], null);
    const [claimed] = await claimAll();
    await finish(claimed, 'FAILED');
    expect(await statusOf(b.id)).toBe('CANCELLED');
    expect(await statusOf(c.id)).toBe('CANCELLED');
    expect(await statusOf(w.id)).toBe('WAITING');
    expect(await claimAll(T0 + 5000)).toEqual([]);
  });

  it('dependencies that already ended decide at enqueue: all COMPLETED queues it, a failure cancels it', async () => {
    const { engine } = get();
    const [a, b] = await engine.enqueue([newTask(), newTask()]);
    const claimed = await claimAll();
    await finish(claimed.find((t) => t.id === a.id) as ClaimedTask);
    await finish(claimed.find((t) => t.id === b.id) as ClaimedTask, 'FAILED');
    const {
      tasks: [ok, bad],
      settle,
    } = await engine.enqueueFlow([flowTask([a.id]), flowTask([a.id, b.id])], null);
    expect(await statusOf(ok.id)).toBe('QUEUED');
    expect(await statusOf(bad.id)).toBe('CANCELLED');
    expect(settle).toEqual([bad.id]);
  });

  it('an unknown dependency id is a typed error naming it, and nothing is written', async () => {
    const { engine, dataSource } = get();
    const [a] = await engine.enqueue([newTask()]);
    const error = await engine.enqueueFlow([flowTask([a.id, a.id + 1000])], batchOf(null)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownDependencyError);
    expect(error).toMatchObject({ dependencyId: a.id + 1000, job: JOB });
    expect(await dataSource.getRepository(Task).count()).toBe(1);
    expect(Number((await dataSource.query('SELECT COUNT(*) AS n FROM kronos_task_batch'))[0].n)).toBe(0);
  });

  it('a stopped dependency settles its dependents too (stopTask)', async () => {
    const { engine } = get();
    const [a] = await engine.enqueue([newTask()]);
    const {
      tasks: [b],
    } = await engine.enqueueFlow([flowTask([a.id])], null);
    expect(await engine.stopTask(a.id, T0)).toBe('STOPPED');
    expect(await statusOf(b.id)).toBe('CANCELLED');
  });

  it('stopTask stops a WAITING task, and what waits for it is cancelled', async () => {
    const { engine } = get();
    const [a] = await engine.enqueue([newTask()]);
    const {
      tasks: [b],
    } = await engine.enqueueFlow([flowTask([a.id], { onDependencyFailure: 'wait' })], null);
    const {
      tasks: [c],
    } = await engine.enqueueFlow([flowTask([b.id])], null);
    expect(await engine.stopTask(b.id, T0)).toBe('STOPPED');
    expect(await statusOf(c.id)).toBe('CANCELLED');
    expect(await statusOf(a.id)).toBe('QUEUED');
  });

  it('a batch queues onComplete and onSuccess once when all its tasks completed, with the counts', async () => {
    const { engine, dataSource } = get();
    const callbacks = { complete: callbackTask('{"to":"ops"}'), success: callbackTask('"yay"') };
    const { batchId, tasks } = await engine.enqueueFlow([flowTask([]), flowTask([]), flowTask([])], batchOf(callbacks));
    expect(batchId).toEqual(expect.any(Number));
    expect(await engine.batchState(batchId as number)).toMatchObject({
      id: batchId,
      description: 'nightly import',
      stopped: false,
      finishedAt: null,
      counts: { total: 3, pending: 3 },
    });
    const claimed = await claimAll();
    expect(claimed).toHaveLength(3);
    for (const task of claimed) await finish(task);
    await engine.settleFlow(
      tasks.map((t) => t.id),
      null,
    ); // a second settle changes nothing
    const queued = await dataSource.getRepository(Task).find({ where: { jobName: CALLBACK }, order: { uuid: 'ASC' } });
    expect(queued.map((t) => t.uuid)).toEqual([`kronos:batch:${batchId}:complete`, `kronos:batch:${batchId}:success`]);
    const counts = { total: 3, pending: 0, completed: 3, failed: 0, cancelled: 0, stopped: 0 };
    expect(JSON.parse(queued[0].payload as string)).toEqual({ batchId, counts, payload: { to: 'ops' } });
    expect(JSON.parse(queued[1].payload as string)).toEqual({ batchId, counts, payload: 'yay' });
    expect((await engine.batchState(batchId as number))?.finishedAt).toEqual(expect.any(Number));
  });

  it('onFailure fires once at the first failure; onSuccess never, onComplete when the rest ended', async () => {
    const { engine, dataSource } = get();
    const callbacks = { failure: callbackTask('null'), success: callbackTask('null'), complete: callbackTask('null') };
    const { batchId } = await engine.enqueueFlow([flowTask([]), flowTask([]), flowTask([])], batchOf(callbacks));
    const [x, y, z] = await claimAll();
    await finish(x, 'FAILED');
    await finish(y, 'FAILED');
    const uuids = async () =>
      (await dataSource.getRepository(Task).find({ where: { jobName: CALLBACK } })).map((t) => t.uuid).sort();
    expect(await uuids()).toEqual([`kronos:batch:${batchId}:failure`]);
    await finish(z);
    expect(await uuids()).toEqual([`kronos:batch:${batchId}:complete`, `kronos:batch:${batchId}:failure`]);
    const failure = await dataSource.getRepository(Task).findOneByOrFail({ uuid: `kronos:batch:${batchId}:failure` });
    expect(JSON.parse(failure.payload as string).counts).toMatchObject({ total: 3, failed: 1, pending: 2 });
  });

  it('stopBatch stops the pending tasks of the batch, its running ones run on, and the batch completes', async () => {
    const { engine, dataSource } = get();
    const [outside] = await engine.enqueue([newTask()]);
    const { batchId, tasks } = await engine.enqueueFlow(
      [flowTask([]), flowTask([], { nextRunTime: T0 + 60_000 })],
      batchOf({ complete: callbackTask('null') }),
    );
    const {
      tasks: [waiting],
    } = await engine.enqueueFlow([flowTask([tasks[0].id])], null);
    const running = (await claimAll()).find((t) => t.id === tasks[0].id) as ClaimedTask;
    expect(await engine.stopBatch(batchId as number, T0 + 2000)).toBe(1);
    expect(await statusOf(tasks[1].id)).toBe('STOPPED');
    expect(await statusOf(running.id)).toBe('RUNNING');
    expect(await statusOf(outside.id)).toBe('RUNNING');
    await finish(running);
    expect(await statusOf(waiting.id)).toBe('QUEUED');
    expect(await engine.batchState(batchId as number)).toMatchObject({
      stopped: true,
      counts: { total: 2, completed: 1, stopped: 1, pending: 0 },
    });
    expect(await dataSource.getRepository(Task).countBy({ jobName: CALLBACK })).toBe(1);
    expect(await engine.stopBatch(999_999, T0)).toBeNull();
    expect(await engine.batchState(999_999)).toBeNull();
    expect((await engine.listBatches(10)).map((b) => b.id)).toEqual([batchId]);
  });

  it('an expired dependency cancels its dependents, and an expired batch task counts toward the batch', async () => {
    const { engine, dataSource } = get();
    const [a] = await engine.enqueue([newTask({ stopTime: T0 + 500 })]);
    const {
      tasks: [b],
    } = await engine.enqueueFlow([flowTask([a.id])], null);
    const { batchId } = await engine.enqueueFlow(
      [flowTask([], { stopTime: T0 + 500 })],
      batchOf({ complete: callbackTask('null') }),
    );
    expect(await engine.expire(T0 + 1000)).toBe(2);
    expect(await statusOf(b.id)).toBe('CANCELLED');
    expect(await engine.batchState(batchId as number)).toMatchObject({
      finishedAt: expect.any(Number),
      counts: { total: 1, failed: 1 },
    });
    expect(await dataSource.getRepository(Task).countBy({ jobName: CALLBACK })).toBe(1);
  });

  it('tasks of one call may wait for earlier ones of the same call (dependsOnItems)', async () => {
    const { engine } = get();
    const {
      tasks: [a, b, c],
    } = await engine.enqueueFlow(
      [flowTask([]), flowTask([], { dependsOnItems: [0] }), flowTask([], { dependsOnItems: [0, 1] })],
      batchOf(null),
    );
    expect([await statusOf(a.id), await statusOf(b.id), await statusOf(c.id)]).toEqual([
      'QUEUED',
      'WAITING',
      'WAITING',
    ]);
    expect((await taskRow(get(), a.id)).flow).toBe(3);
    const [first] = await claimAll();
    expect(first.id).toBe(a.id);
    await finish(first);
    expect(await statusOf(b.id)).toBe('QUEUED');
    expect(await statusOf(c.id)).toBe('WAITING');
    const [second] = await claimAll(T0 + 2000);
    await finish(second);
    expect(await statusOf(c.id)).toBe('QUEUED');
  });

  it('a completion that also asks for run ids (lifecycle events) settles flagged tasks the same way', async () => {
    const { engine } = get();
    const [a, plain] = await engine.enqueue([newTask(), newTask()]);
    const {
      tasks: [b],
    } = await engine.enqueueFlow([flowTask([a.id])], null);
    const claimed = await claimAll();
    const runIds: number[] = [];
    const fenced = await engine.complete(
      claimed.map((task) => outcome(task, 'worker-a')),
      runIds,
    );
    expect(fenced).toEqual([]);
    expect(runIds).toHaveLength(2);
    expect(runIds.every((id) => id > 0)).toBe(true);
    expect(await statusOf(b.id)).toBe('QUEUED');
    expect(await statusOf(plain.id)).toBe('COMPLETED');
  });

  it('completing tasks without dependents or batch reports nothing more (flow 0)', async () => {
    const { engine } = get();
    const [a] = await engine.enqueue([newTask()]);
    expect((await taskRow(get(), a.id)).flow).toBe(0);
    const [claimed] = await claimAll();
    await finish(claimed);
    expect(await statusOf(a.id)).toBe('COMPLETED');
  });
}
