import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { Job, Task } from '../../lib/index.js';
import { describeForDialects } from '../support/databases.js';
import { bootApp } from '../support/test-app.js';
import { buildCliFixtures, json } from './support/kronos-cli.js';
import { useFixtureApp } from './support/fixture-app.js';

/** The fixture app's job, declared in this process to queue a batch of it. */
@Injectable()
class FixtureJobs {
  @Job('report.send')
  async send() {}
}

/** `kronos batches`: batches with their progress, one batch, and stopping one. */
describeForDialects('kronos batches', (dialect) => {
  const fx = useFixtureApp(dialect);
  beforeAll(() => buildCliFixtures(), 180_000);

  it('lists batches newest first with their progress, shows one, and stops the pending tasks of one', async () => {
    const web = await bootApp(fx.db, [FixtureJobs], { worker: false });
    try {
      const first = await web.scheduler.batch({ description: 'invoices' }, [
        { job: 'report.send', payload: { to: 'a' } },
        { job: 'report.send', payload: { to: 'b' } },
      ]);
      const second = await web.scheduler.batch({}, [{ job: 'report.send', payload: { to: 'c' } }]);
      await web.dataSource.getRepository(Task).update({ id: first.tasks[0].id }, { status: 'COMPLETED' });

      const listed = await fx.cli('batches');
      expect(listed.code).toBe(0);
      const lines = listed.stdout.trim().split('\n');
      expect(lines[0]).toMatch(
        /^ID\s+DESCRIPTION\s+PROGRESS\s+COMPLETED\s+FAILED\s+CANCELLED\s+STOPPED\s+PENDING\s+CREATED\s+FINISHED$/,
      );
      expect(lines[1]).toMatch(new RegExp(`^${second.id}\\s+0/1 0%\\s+0\\s+0\\s+0\\s+0\\s+1\\s+\\d{4}-`));
      expect(lines[2]).toMatch(new RegExp(`^${first.id}\\s+invoices\\s+1/2 50%\\s+1\\s+0\\s+0\\s+0\\s+1\\s+\\d{4}-`));

      expect(json(await fx.cli('batches', String(first.id), '--json'))).toMatchObject({
        id: first.id,
        description: 'invoices',
        counts: { total: 2, completed: 1, pending: 1 },
      });
      expect(json(await fx.cli('batches', 'stop', String(first.id), '--json'))).toEqual({
        batch: first.id,
        stopped: 1,
      });
      expect(json(await fx.cli('batches', String(first.id), '--json'))).toMatchObject({
        stopped: true,
        counts: { stopped: 1, pending: 0 },
        finishedAt: expect.any(Number),
      });

      const missing = await fx.cli('batches', '999999');
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toContain('No batch has id 999999');
    } finally {
      await web.close();
    }
  }, 60_000);
});
