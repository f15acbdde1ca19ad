import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import {
  BatchNotFoundError,
  BulkEnqueueItemError,
  InvalidEnqueueOptionError,
  Job,
  Task,
  UnknownDependencyError,
  UnknownJobError,
  type BatchCallbackPayload,
} from '../../lib/index.js';
import { describeForDialects } from '../support/databases.js';
import { bootApp, freshDatabase, waitFor, type TestApp } from '../support/test-app.js';

const order: string[] = [];
const callbacks: BatchCallbackPayload<{ report: string }>[] = [];

@Injectable()
class PipelineJobs {
  @Job('pipeline.step')
  async step(payload: { name: string; fail?: boolean }) {
    await new Promise((r) => setTimeout(r, 20));
    order.push(payload.name);
    if (payload.fail) throw new Error(`${payload.name} failed`);
  }

  @Job('pipeline.done')
  async done(payload: BatchCallbackPayload<{ report: string }>) {
    callbacks.push(payload);
  }
}

describeForDialects('dependencies and batches through SchedulerService', (dialect) => {
  let web: TestApp | undefined;
  afterEach(async () => {
    await web?.close();
    web = undefined;
    order.length = 0;
    callbacks.length = 0;
  });

  const statusOf = async (id: number) =>
    (await (web as TestApp).dataSource.getRepository(Task).findOneByOrFail({ id })).status;

  it('a pipeline runs in dependency order in one process; a failure cancels what waits for it', async () => {
    web = await bootApp(await freshDatabase(dialect), [PipelineJobs], { worker: { pollInterval: 50 } });
    const s = web.scheduler;
    const extract = await s.enqueue('pipeline.step', { name: 'extract' });
    const clean = await s.enqueue('pipeline.step', { name: 'clean' }, { dependsOn: [extract.id] });
    const enrich = await s.enqueue('pipeline.step', { name: 'enrich', fail: true }, { dependsOn: [extract.id] });
    const load = await s.enqueue('pipeline.step', { name: 'load' }, { dependsOn: [clean.id, enrich.id] });
    const audit = await s.enqueue(
      'pipeline.step',
      { name: 'audit' },
      { dependsOn: [enrich.id], onDependencyFailure: 'wait' },
    );
    await waitFor(async () => (await statusOf(load.id)) === 'CANCELLED', 15_000, 'load CANCELLED');
    expect(order[0]).toBe('extract');
    expect(order.slice(1).sort()).toEqual(['clean', 'enrich']);
    expect(await statusOf(audit.id)).toBe('WAITING');
    await new Promise((r) => setTimeout(r, 300));
    expect(order).not.toContain('load');
    expect(order).not.toContain('audit');
  }, 30_000);

  it('a batch calls onSuccess once with its counts and the callback payload; batch(id) reads its state', async () => {
    web = await bootApp(await freshDatabase(dialect), [PipelineJobs], { worker: { pollInterval: 50 } });
    const s = web.scheduler;
    const batch = await s.batch(
      { description: 'three steps', onSuccess: { job: 'pipeline.done', payload: { report: 'weekly' } } },
      [
        { job: 'pipeline.step', payload: { name: 'a' } },
        { job: 'pipeline.step', payload: { name: 'b' }, priority: 5 },
        { job: 'pipeline.step', payload: { name: 'c' } },
      ],
    );
    expect(batch.tasks).toHaveLength(3);
    await waitFor(async () => callbacks.length === 1, 15_000, 'the onSuccess callback ran');
    expect(callbacks[0]).toEqual({
      batchId: batch.id,
      counts: { total: 3, pending: 0, completed: 3, failed: 0, cancelled: 0, stopped: 0 },
      payload: { report: 'weekly' },
    });
    expect(await s.batch(batch.id)).toMatchObject({
      id: batch.id,
      description: 'three steps',
      finishedAt: expect.any(Number),
      counts: { completed: 3 },
    });
  }, 30_000);

  it('a batch holds its own diamond: items wait for earlier items ({ item: n })', async () => {
    web = await bootApp(await freshDatabase(dialect), [PipelineJobs], { worker: { pollInterval: 50 } });
    const s = web.scheduler;
    const batch = await s.batch({ onComplete: { job: 'pipeline.done', payload: { report: 'diamond' } } }, [
      { job: 'pipeline.step', payload: { name: 'top' } },
      { job: 'pipeline.step', payload: { name: 'left' }, dependsOn: [{ item: 0 }] },
      { job: 'pipeline.step', payload: { name: 'right' }, dependsOn: [{ item: 0 }] },
      { job: 'pipeline.step', payload: { name: 'bottom' }, dependsOn: [{ item: 1 }, { item: 2 }] },
    ]);
    await waitFor(async () => callbacks.length === 1, 15_000, 'the onComplete callback ran');
    expect(order[0]).toBe('top');
    expect(order.slice(1, 3).sort()).toEqual(['left', 'right']);
    expect(order[3]).toBe('bottom');
    expect(callbacks[0]).toMatchObject({ batchId: batch.id, counts: { total: 4, completed: 4 } });
    await expect(s.batch({}, [{ job: 'pipeline.step', dependsOn: [{ item: 0 }] }])).rejects.toMatchObject({
      index: 0,
      cause: { field: 'dependsOn', value: { item: 0 } },
    });
  }, 30_000);

  it('refuses bad input with typed errors naming the field and value, writing nothing', async () => {
    web = await bootApp(await freshDatabase(dialect), [PipelineJobs], { worker: false });
    const s = web.scheduler;
    const tasks = web.dataSource.getRepository(Task);
    const { id } = await s.enqueue('pipeline.step', { name: 'x' });
    await expect(s.enqueue('pipeline.step', {}, { dependsOn: [id, id + 100] })).rejects.toThrow(
      new UnknownDependencyError('pipeline.step', id + 100),
    );
    await expect(s.enqueue('pipeline.step', {}, { dependsOn: ['7' as unknown as number] })).rejects.toMatchObject({
      constructor: InvalidEnqueueOptionError,
      field: 'dependsOn',
      value: '7',
    });
    await expect(
      s.enqueue('pipeline.step', {}, { dependsOn: [id], onDependencyFailure: 'skip' as 'wait' }),
    ).rejects.toMatchObject({ field: 'onDependencyFailure' });
    await expect(
      s.enqueue('pipeline.step', {}, { dependsOn: [id], unique: { key: 'k', for: '1m' } }),
    ).rejects.toMatchObject({ field: 'unique' });
    await expect(s.enqueueMany([{ job: 'pipeline.step', dependsOn: [id] } as never])).rejects.toBeInstanceOf(
      BulkEnqueueItemError,
    );
    await expect(s.batch({ onComplete: { job: 'no.such.job' } }, [{ job: 'pipeline.step' }])).rejects.toBeInstanceOf(
      UnknownJobError,
    );
    await expect(s.batch({}, [])).rejects.toMatchObject({ field: 'items' });
    await expect(
      s.batch({}, [{ job: 'pipeline.step' }, { job: 'pipeline.step', dependsOn: [id + 100] }]),
    ).rejects.toBeInstanceOf(UnknownDependencyError);
    await expect(s.batch(424242)).rejects.toBeInstanceOf(BatchNotFoundError);
    await expect(s.stopBatch(424242)).rejects.toBeInstanceOf(BatchNotFoundError);
    expect(await tasks.count()).toBe(1);
    expect(await s.batches()).toEqual([]);
  });

  it('inside the caller transaction, a rollback removes the batch and its tasks', async () => {
    web = await bootApp(await freshDatabase(dialect), [PipelineJobs], { worker: false });
    const s = web.scheduler;
    const { id } = await s.enqueue('pipeline.step', { name: 'x' });
    await expect(
      web.dataSource.transaction(async (manager) => {
        await s.batch({ manager }, [{ job: 'pipeline.step', dependsOn: [id] }]);
        await s.enqueue('pipeline.step', {}, { dependsOn: [id], manager });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await web.dataSource.getRepository(Task).count()).toBe(1);
    expect(await s.batches()).toEqual([]);
  });
});
