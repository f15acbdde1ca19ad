import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { In } from 'typeorm';
import { Job, Run, Task, type BatchCallbackPayload } from '../../lib/index.js';
import { describeForDialects } from '../support/databases.js';
import { executions, fleetClosedAfterEach, startWorkerProcess } from '../support/processes.js';
import { bootApp, freshDatabase, waitFor } from '../support/test-app.js';

/** The same declarations as the worker processes' (test/fixtures/worker-process.ts). */
@Injectable()
class ClusterJobs {
  @Job('cluster.work', { retries: 5 })
  async work() {}

  @Job('cluster.varied')
  async varied() {}

  @Job('cluster.fails', { retries: 1 })
  async fails() {}
}

const ms = (n: number) => 50 + ((n * 37) % 200);

describeForDialects('dependencies and batches across three worker processes', (dialect) => {
  const fleet = fleetClosedAfterEach();

  it('no dependent of a chain or a diamond starts before every dependency completed; a failed dependency cancels its dependents, which never run', async () => {
    const db = await freshDatabase(dialect);
    fleet.web = await bootApp(db, [ClusterJobs], { worker: false });
    const web = fleet.web;
    const s = web.scheduler;
    const edges: [number, number][] = []; // [dependent, dependency]
    const after = async (n: number, deps: number[]) => {
      const { id } = await s.enqueue('cluster.varied', { n, ms: ms(n) }, { dependsOn: deps });
      for (const dep of deps) edges.push([id, dep]);
      return id;
    };
    // Four diamonds (a → b, c → d) and a chain of eight, enqueued before any worker runs.
    let n = 0;
    for (let k = 0; k < 4; k++) {
      const { id: a } = await s.enqueue('cluster.varied', { n: n++, ms: ms(n) });
      const b = await after(n++, [a]);
      const c = await after(n++, [a]);
      await after(n++, [b, c]);
    }
    let link = (await s.enqueue('cluster.varied', { n: n++, ms: ms(n) })).id;
    for (let k = 0; k < 7; k++) link = await after(n++, [link]);
    // A failing task and what waits for it.
    const { id: failing } = await s.enqueue('cluster.fails', { n: n++ });
    const cancelled = await after(n++, [failing]);
    const cancelledToo = await after(n++, [cancelled]);
    const total = n - 3;

    fleet.workers = await Promise.all([0, 1, 2].map(() => startWorkerProcess(db.options)));
    const tasks = web.dataSource.getRepository(Task);
    await waitFor(
      async () => (await tasks.countBy({ jobName: 'cluster.varied', status: 'COMPLETED' })) === total,
      60_000,
      'every varied task COMPLETED',
    );
    await waitFor(
      async () => (await tasks.findOneByOrFail({ id: cancelledToo })).status === 'CANCELLED',
      20_000,
      'the chain under the failure CANCELLED',
    );

    expect((await tasks.findOneByOrFail({ id: failing })).status).toBe('FAILED');
    expect((await tasks.findOneByOrFail({ id: cancelled })).status).toBe('CANCELLED');
    const runs = await web.dataSource.getRepository(Run).findBy({ jobName: 'cluster.varied' });
    expect(runs).toHaveLength(total);
    expect(runs.some((run) => run.taskId === cancelled || run.taskId === cancelledToo)).toBe(false);
    const runOf = new Map(runs.map((run) => [run.taskId, run]));
    for (const [dependent, dependency] of edges.filter(([d]) => d !== cancelled && d !== cancelledToo)) {
      expect(Number(runOf.get(dependent)?.startTime)).toBeGreaterThanOrEqual(Number(runOf.get(dependency)?.stopTime));
    }
    expect(fleet.workers.flatMap(executions)).toHaveLength(total); // each ran once in the fleet
  }, 120_000);

  it("a batch's onComplete and onSuccess are queued and run once each with the batch's counts; stopBatch stops its pending tasks", async () => {
    const db = await freshDatabase(dialect);
    fleet.web = await bootApp(db, [ClusterJobs], { worker: false });
    const web = fleet.web;
    const s = web.scheduler;
    const items = Array.from({ length: 20 }, (_, n) => ({ job: 'cluster.varied', payload: { n, ms: ms(n) } }));
    const done = await s.batch(
      {
        description: 'twenty',
        onComplete: { job: 'cluster.work', payload: { n: -1 } },
        onSuccess: { job: 'cluster.work', payload: { n: -2 } },
      },
      items,
    );
    // A second batch: two tasks now, eight an hour from now, then stopped.
    const later = await s.batch(
      {
        onComplete: { job: 'cluster.work', payload: { n: -3 } },
        onFailure: { job: 'cluster.work', payload: { n: -4 } },
      },
      [...items.slice(0, 2), ...items.slice(2, 10).map((item) => ({ ...item, delay: '1h' }))],
    );

    fleet.workers = await Promise.all([0, 1, 2].map(() => startWorkerProcess(db.options)));
    const tasks = web.dataSource.getRepository(Task);
    const callbacks = () => tasks.find({ where: { jobName: 'cluster.work' }, order: { uuid: 'ASC' } });
    await waitFor(
      async () => (await s.batch(later.id)).counts.completed === 2,
      30_000,
      'the two due tasks of the second batch',
    );
    expect(await s.stopBatch(later.id)).toBe(8);
    await waitFor(
      async () => (await callbacks()).filter((t) => t.status === 'COMPLETED').length === 3,
      60_000,
      'three callbacks COMPLETED',
    );
    await new Promise((r) => setTimeout(r, 1500)); // any duplicate would be queued by now

    const queued = await callbacks();
    expect(queued.map((t) => t.uuid)).toEqual(
      [
        `kronos:batch:${done.id}:complete`,
        `kronos:batch:${done.id}:success`,
        `kronos:batch:${later.id}:complete`,
      ].sort(),
    );
    const payloadOf = (uuid: string) =>
      JSON.parse(queued.find((t) => t.uuid === uuid)?.payload as string) as BatchCallbackPayload<{ n: number }>;
    expect(payloadOf(`kronos:batch:${done.id}:success`)).toEqual({
      batchId: done.id,
      counts: { total: 20, pending: 0, completed: 20, failed: 0, cancelled: 0, stopped: 0 },
      payload: { n: -2 },
    });
    expect(payloadOf(`kronos:batch:${later.id}:complete`).counts).toEqual({
      total: 10,
      pending: 0,
      completed: 2,
      failed: 0,
      cancelled: 0,
      stopped: 8,
    });
    // Each callback ran once, in the whole fleet.
    const callbackRuns = await web.dataSource.getRepository(Run).findBy({ taskId: In(queued.map((t) => t.id)) });
    expect(callbackRuns).toHaveLength(3);
    expect(await s.batch(done.id)).toMatchObject({
      id: done.id,
      description: 'twenty',
      stopped: false,
      finishedAt: expect.any(Number),
    });
    expect(await s.batch(later.id)).toMatchObject({ stopped: true, finishedAt: expect.any(Number) });
    expect((await s.batches()).map((b) => b.id)).toEqual([later.id, done.id]);
  }, 120_000);
});
