import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule, getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { Job, SchedulerModule, SchedulerService } from '../../lib/index.js';
import { describeForDialects } from '../support/databases.js';
import { FAST_WORKER, freshDatabase, waitFor, type TestDatabase } from '../support/test-app.js';

const ran: string[] = [];

@Injectable()
class SyncJobs {
  @Job('sync.step')
  async step(payload: { name: string }) {
    ran.push(payload.name);
  }
}

/** The README's set-up: TypeORM's `synchronize` builds the schema, no migrations run. */
async function bootOnSynchronize(db: TestDatabase) {
  @Module({
    imports: [
      TypeOrmModule.forRoot({ ...db.options, autoLoadEntities: true, synchronize: true }),
      SchedulerModule.forRoot({ worker: { ...FAST_WORKER } }),
    ],
    providers: [SyncJobs],
  })
  class SynchronizedAppModule {}
  const app = await NestFactory.createApplicationContext(SynchronizedAppModule, { logger: false, abortOnError: false });
  return { app, scheduler: app.get(SchedulerService), dataSource: app.get<DataSource>(getDataSourceToken()) };
}

describeForDialects('an application whose schema comes from synchronize', (dialect) => {
  afterEach(() => {
    ran.length = 0;
  });

  it('gets the tables Kronos keeps beside its entities: dependencies, batches and paused groups work, start after start', async () => {
    // An empty database: no Kronos table, no migration ever run.
    const db = await freshDatabase(dialect, 'synchronize');
    for (let start = 0; start < 2; start++) {
      const { app, scheduler } = await bootOnSynchronize(db);
      try {
        await scheduler.pauseGroup('reports', 'admin');
        expect((await scheduler.groups()).find((g) => g.name === 'reports')?.paused).toBe(true);
        await scheduler.resumeGroup('reports');

        const first = await scheduler.enqueue('sync.step', { name: `first-${start}` });
        await scheduler.enqueue('sync.step', { name: `second-${start}` }, { dependsOn: [first.id] });
        const batch = await scheduler.batch({}, [{ job: 'sync.step', payload: { name: `batched-${start}` } }]);
        await waitFor(() => ran.includes(`second-${start}`) && ran.includes(`batched-${start}`), 15_000, 'the tasks');
        expect(ran.indexOf(`first-${start}`)).toBeLessThan(ran.indexOf(`second-${start}`));
        await waitFor(async () => (await scheduler.batch(batch.id)).finishedAt !== null, 15_000, 'the batch to finish');
      } finally {
        await app.close();
      }
    }
  }, 60_000);
});
