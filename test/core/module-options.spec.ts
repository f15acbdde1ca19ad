import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { Job, JobDefinition, SchedulerModule, SchedulerService, Task } from '../../lib/index.js';
import { freshDatabase, waitForTask } from '../support/test-app.js';

@Injectable()
class EchoJobs {
  @Job('echo')
  async echo(payload: unknown) {
    return payload;
  }
}

/** Stands in for an application's own configuration service. */
@Injectable()
class AppConfig {
  readonly schedulerTimezone = 'Europe/Berlin';
}
@Module({ providers: [AppConfig], exports: [AppConfig] })
class AppConfigModule {}

describe('SchedulerModule options', () => {
  it('forRootAsync builds its options from injected providers and uses a named DataSource', async () => {
    const db = await freshDatabase('sqlite');
    @Module({
      imports: [
        TypeOrmModule.forRoot({ ...db.options, name: 'jobs', autoLoadEntities: true }),
        SchedulerModule.forRootAsync({
          dataSource: 'jobs',
          imports: [AppConfigModule],
          inject: [AppConfig],
          useFactory: (config: AppConfig) => ({ timezone: config.schedulerTimezone, worker: { pollInterval: 25 } }),
        }),
      ],
      providers: [EchoJobs],
    })
    class AppModule {}
    const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
    try {
      const scheduler = app.get(SchedulerService);
      const { id } = await scheduler.enqueue('echo', { hello: 'named' });
      const { latestRun } = await waitForTask(scheduler, id, ['COMPLETED']);
      expect(JSON.parse(latestRun!.result!)).toEqual({ hello: 'named' });
      const jobs = app.get<DataSource>(getDataSourceToken('jobs'));
      expect(await jobs.getRepository(JobDefinition).countBy({ name: 'echo' })).toBe(1);
    } finally {
      await app.close();
    }
  });

  it('with worker: false only enqueues; another process with a worker runs the task', async () => {
    const db = await freshDatabase('sqlite');
    const build = (worker: false | object) => {
      @Module({
        imports: [
          TypeOrmModule.forRoot({ ...db.options, autoLoadEntities: true }),
          SchedulerModule.forRoot({ worker: worker }),
        ],
        providers: [EchoJobs],
      })
      class AppModule {}
      return NestFactory.createApplicationContext(AppModule, { logger: false });
    };
    const web = await build(false);
    const scheduler = web.get(SchedulerService);
    try {
      const { id } = await scheduler.enqueue('echo', 1);
      await new Promise((r) => setTimeout(r, 200));
      expect((await scheduler.status(id)).task.status).toBe('QUEUED');
      const worker = await build({ pollInterval: 25 });
      try {
        await waitForTask(scheduler, id, ['COMPLETED']);
      } finally {
        await worker.close();
      }
    } finally {
      await web.close();
    }
  });

  it('works with synchronize instead of the shipped migrations', async () => {
    const db = await freshDatabase('sqlite', 'synchronize');
    @Module({
      imports: [
        TypeOrmModule.forRoot({ ...db.options, autoLoadEntities: true, synchronize: true }),
        SchedulerModule.forRoot({ worker: { pollInterval: 25 } }),
      ],
      providers: [EchoJobs],
    })
    class AppModule {}
    const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
    try {
      const scheduler = app.get(SchedulerService);
      const { id } = await scheduler.enqueue('echo', 'sync');
      await waitForTask(scheduler, id, ['COMPLETED']);
      expect(
        await app
          .get<DataSource>(getDataSourceToken() as string)
          .getRepository(Task)
          .count(),
      ).toBe(1);
    } finally {
      await app.close();
    }
  });
});
