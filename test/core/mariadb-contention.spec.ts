import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { Job, Task } from '../../lib/index.js';
import { describeForDialects } from '../support/databases.js';
import { bootApp, CollectingLogger, freshDatabase, waitFor, type TestApp } from '../support/test-app.js';

@Injectable()
class QuickJobs {
  @Job('contention.noop')
  noop() {
    return null;
  }
}

/** InnoDB's count of deadlocks since the server started (it detected them and rolled one side back). */
async function deadlocks(app: TestApp): Promise<number> {
  const [row] = await app.dataSource.query(`SHOW GLOBAL STATUS LIKE 'Innodb_deadlocks'`);
  return Number(row.Value);
}

/**
 * Enqueues racing claims on MariaDB, with the background duties (expiry, rescue, sync) running
 * as fast as they do: every statement takes its row locks in one order (the row by primary key,
 * then its index entries), so InnoDB never has a deadlock to break, and nothing is logged as an
 * ERROR or WARN (operators page on those).
 */
describeForDialects(
  'enqueues racing claims',
  (dialect) => {
    const workers: TestApp[] = [];
    const logger = new CollectingLogger();
    const worker = {
      pollInterval: 5,
      syncInterval: 25,
      heartbeatInterval: 100,
      // Rescue runs every deadAfter / 2 (5 s here: during the drain). A heartbeat later than half
      // of deadAfter is a WARN by design; at 10 s a machine that pauses the process or the server
      // for a few seconds (CI neighbours, an fsync stall: 2.5 s was seen on a loaded machine, both
      // workers at once) does not make one.
      deadAfter: 10_000,
      concurrency: 4,
      batchSize: 20,
    };

    beforeAll(async () => {
      const db = await freshDatabase(dialect);
      for (let i = 0; i < 2; i++) workers.push(await bootApp(db, [QuickJobs], { worker }, { logger }));
    });
    afterAll(async () => {
      for (const app of workers) await app.close();
    });

    it('drains every task with no deadlock and no ERROR or WARN line', async () => {
      const [t] = workers;
      const before = await deadlocks(t);
      const rounds = 4;
      const enqueuers = 12;
      const each = 100;
      for (let round = 0; round < rounds; round++) {
        await Promise.all(
          Array.from({ length: enqueuers }, async (_, e) => {
            for (let i = 0; i < each; i++) await workers[i % 2].scheduler.enqueue('contention.noop', { round, e, i });
          }),
        );
      }
      const total = rounds * enqueuers * each;
      await waitFor(
        async () => (await t.dataSource.getRepository(Task).countBy({ status: 'COMPLETED' })) === total,
        120_000,
        'every task completed',
      );
      // Two applications in one process share TypeORM's registry of data sources: it says so, once.
      const warnings = logger
        .messages('warn')
        .filter((line) => !line.startsWith('A data source with the default name is already registered'));
      expect({ deadlocks: (await deadlocks(t)) - before, errors: logger.messages('error'), warnings }).toEqual({
        deadlocks: 0,
        errors: [],
        warnings: [],
      });
    }, 180_000);
  },
  ['mysql'],
);
