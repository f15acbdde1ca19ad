import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { Job, Run, Task } from '../../lib/index.js';
import { enqueueMany } from '../support/bulk.js';
import { createTestDataSource } from '../support/databases.js';
import { PrivatePostgres } from '../support/private-postgres.js';
import { executions, startWorkerProcess, type WorkerProcess } from '../support/processes.js';
import { bootApp, waitFor, type TestApp } from '../support/test-app.js';

@Injectable()
class ClusterJobs {
  @Job('cluster.work', { retries: 5 })
  async work() {}
}

describe('when the database restarts under running workers', () => {
  let server: PrivatePostgres;
  let workers: WorkerProcess[] = [];
  let web: TestApp | undefined;
  beforeAll(async () => {
    server = await new PrivatePostgres().start();
  }, 60_000);
  afterAll(async () => {
    for (const w of workers) w.child.kill('SIGKILL');
    await web?.close().catch(() => undefined);
    await server?.destroy();
  });

  it('workers keep their results, reconnect, and write them when it returns: nothing lost, nothing run twice', async () => {
    const options = server.typeorm();
    await (await createTestDataSource('postgres', { schema: 'migrations', options })).destroy();
    const db = { dialect: 'postgres' as const, options };
    web = await bootApp(db, [ClusterJobs], { worker: false });
    // The outage (2.5 s) stays under half of deadAfter (10 s): no lease is given up.
    const env = {
      KRONOS_FIXTURE_DELAY_MS: '700',
      KRONOS_FIXTURE_CONCURRENCY: '5',
      KRONOS_FIXTURE_DEAD_AFTER_MS: '10000',
    };
    workers = await Promise.all([startWorkerProcess(options, env), startWorkerProcess(options, env)]);
    await enqueueMany(web.app, 'cluster.work', 60);
    await waitFor(() => workers.flatMap(executions).length >= 12, 20_000, 'tasks to be running');

    await server.stop(); // every connection drops; handlers keep running
    await new Promise((r) => setTimeout(r, 2500));
    await server.resume();

    await waitFor(
      async () => {
        try {
          return (await web!.dataSource.getRepository(Task).countBy({ status: 'COMPLETED' })) === 60;
        } catch {
          return false; // the test's own pool reconnects too
        }
      },
      90_000,
      'all 60 COMPLETED after the restart',
    );
    const runs = await web.dataSource.getRepository(Run).find();
    const completed = runs.filter((r) => r.status === 'COMPLETED');
    expect(completed).toHaveLength(60);
    expect(new Set(completed.map((r) => r.taskId)).size).toBe(60);
    // Attempts in flight during the outage were recorded when the database came back, not re-run.
    const executed = workers.flatMap(executions);
    expect(executed).toHaveLength(60);
    expect(new Set(executed).size).toBe(60);
    expect(runs).toHaveLength(60);
    for (const w of workers) w.child.kill('SIGKILL');
    workers = [];
  }, 180_000);

  it('an outage longer than the lease: workers abort their own attempts first, and every task still completes exactly once', async () => {
    const options = server.typeorm();
    await (await createTestDataSource('postgres', { schema: 'migrations', options })).destroy();
    await web?.close();
    web = await bootApp({ dialect: 'postgres', options }, [ClusterJobs], { worker: false });
    // deadAfter 1.5 s: after 0.75 s without a heartbeat a worker stops claiming and aborts its handlers.
    const env = {
      KRONOS_FIXTURE_DELAY_MS: '1500',
      KRONOS_FIXTURE_CONCURRENCY: '5',
      KRONOS_FIXTURE_DEAD_AFTER_MS: '1500',
    };
    workers = await Promise.all([startWorkerProcess(options, env), startWorkerProcess(options, env)]);
    await enqueueMany(web.app, 'cluster.work', 30);
    await waitFor(() => workers.flatMap(executions).length >= 8, 20_000, 'tasks to be running');
    await server.stop();
    await new Promise((r) => setTimeout(r, 3000));
    await server.resume();
    await waitFor(
      async () => {
        try {
          return (await web!.dataSource.getRepository(Task).countBy({ status: 'COMPLETED' })) === 30;
        } catch {
          return false;
        }
      },
      90_000,
      'all 30 COMPLETED after the restart',
    );
    const runs = await web.dataSource.getRepository(Run).find();
    const completed = runs.filter((r) => r.status === 'COMPLETED');
    expect(completed).toHaveLength(30);
    expect(new Set(completed.map((r) => r.taskId)).size).toBe(30);
    // The attempts cut short by the outage were re-queued by their own worker when the database
    // came back (INTERRUPTED), then re-run; nobody was declared dead (no LOST run).
    expect(runs.filter((r) => r.status === 'INTERRUPTED').length).toBeGreaterThan(0);
    expect(runs.every((r) => ['COMPLETED', 'INTERRUPTED'].includes(r.status))).toBe(true);
  }, 180_000);
});
