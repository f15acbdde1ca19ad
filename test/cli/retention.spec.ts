import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { InvalidSchedulerOptionError, Job, Run, Task } from '../../lib/index.js';
import { workerFromEnvironment } from '../../lib/scheduler.environment.js';
import { describeForDialects } from '../support/databases.js';
import { bootApp, freshDatabase, waitFor, type TestApp } from '../support/test-app.js';

@Injectable()
class Jobs {
  @Job('work')
  async work() {}
}

describeForDialects(
  'the retention option',
  (dialect) => {
    let t: TestApp | undefined;
    afterEach(async () => {
      await t?.close();
      t = undefined;
    });

    async function seed(app: TestApp, old: number) {
      const tasks = app.dataSource.getRepository(Task);
      for (const [uuid, status, schedule] of [
        ['done', 'COMPLETED', null],
        ['waiting', 'QUEUED', null],
        ['recurring', 'COMPLETED', '{}'],
      ] as const) {
        const task = await tasks.save(
          tasks.create({
            uuid,
            jobName: 'work',
            status,
            group: 'nobody-serves-this',
            nextRunTime: old,
            schedule,
            createdAt: old,
            updatedAt: old,
          }),
        );
        await app.dataSource
          .getRepository(Run)
          .save({ taskId: task.id, jobName: 'work', status: 'COMPLETED', startTime: old });
      }
      await app.dataSource
        .getRepository(Run)
        .save({ taskId: 0, jobName: 'work', status: 'FAILED', startTime: Date.now() });
    }

    it('prunes old runs and finished tasks periodically in processes that run a worker', async () => {
      const db = await freshDatabase(dialect);
      t = await bootApp(db, [Jobs], { retention: { olderThan: '1d', interval: 100, batchSize: 1 } });
      await seed(t, Date.now() - 2 * 86_400_000);
      await waitFor(
        async () => (await t!.dataSource.getRepository(Run).count()) === 1,
        10_000,
        'old runs to be pruned',
      );
      await waitFor(
        async () => (await t!.dataSource.getRepository(Task).count()) === 2,
        10_000,
        'old finished tasks to be pruned',
      );
      expect(
        (await t.dataSource.getRepository(Task).find({ order: { uuid: 'ASC' } })).map((task) => task.uuid),
      ).toEqual(['recurring', 'waiting']);
      expect((await t.dataSource.getRepository(Run).find()).map((run) => run.status)).toEqual(['FAILED']);
    });

    it('does nothing in a process without a worker', async () => {
      const db = await freshDatabase(dialect);
      t = await bootApp(db, [Jobs], { worker: false, retention: { olderThan: '1d', interval: 50 } });
      await seed(t, Date.now() - 2 * 86_400_000);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await t.dataSource.getRepository(Run).count()).toBe(4);
    });
  },
  ['sqlite', 'postgres'],
);

describe('retention and worker overrides are validated at start-up', () => {
  it.each([
    [{ retention: { olderThan: 'soon' } }, 'retention.olderThan'],
    [{ retention: { olderThan: '30d', interval: 0 } }, 'retention.interval'],
    [{ retention: { olderThan: '30d', batchSize: 0 } }, 'retention.batchSize'],
    [{ configFile: '' }, 'configFile'],
  ])('%j', async (options, field) => {
    const failed = bootApp(await freshDatabase('sqlite'), [Jobs], { worker: false, ...options } as never);
    await expect(failed).rejects.toThrow(InvalidSchedulerOptionError);
    await expect(failed).rejects.toThrow(`Invalid SchedulerModule option ${field}`);
  });
});

describe('KRONOS_WORKER environment variables', () => {
  it.each([
    ['nothing set: the code decides', {}, { concurrency: 2 }, { concurrency: 2 }],
    ['nothing set, worker: false', {}, false, false],
    ['off', { KRONOS_WORKER: 'off' }, { concurrency: 2 }, false],
    ['on under worker: false', { KRONOS_WORKER: 'on' }, false, {}],
    [
      'groups and concurrency',
      { KRONOS_WORKER_GROUPS: 'a, b', KRONOS_WORKER_CONCURRENCY: '3' },
      { pollInterval: 5 },
      { pollInterval: 5, groups: ['a', 'b'], concurrency: 3 },
    ],
    ['groups do not switch a worker on', { KRONOS_WORKER_GROUPS: 'a' }, false, false],
  ])('%s', (_title, env, worker, expected) => {
    expect(workerFromEnvironment(worker as never, env)).toEqual(expected);
  });

  it.each([
    [{ KRONOS_WORKER: 'maybe' }, 'KRONOS_WORKER'],
    [{ KRONOS_WORKER: 'on', KRONOS_WORKER_CONCURRENCY: 'lots' }, 'KRONOS_WORKER_CONCURRENCY'],
  ])('rejects %j', (env, name) => {
    expect(() => workerFromEnvironment({}, env)).toThrow(`Invalid SchedulerModule option ${name}`);
  });
});
