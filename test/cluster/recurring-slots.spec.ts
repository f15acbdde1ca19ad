import 'reflect-metadata';
import { Run, Task } from '../../lib/index.js';
import { describeForDialects } from '../support/databases.js';
import { fleetClosedAfterEach, startWorkerProcess } from '../support/processes.js';
import { bootApp, freshDatabase } from '../support/test-app.js';

describeForDialects(
  'a recurring task on a 1-second schedule with 3 worker processes',
  (dialect) => {
    const fleet = fleetClosedAfterEach();

    it('runs each slot exactly once over 20 seconds', async () => {
      const db = await freshDatabase(dialect);
      fleet.workers = await Promise.all(
        [0, 1, 2].map(() => startWorkerProcess(db.options, { KRONOS_FIXTURE_TICK: '1' })),
      );
      await new Promise((r) => setTimeout(r, 20_000));
      for (const w of fleet.workers) w.child.kill('SIGTERM');
      await Promise.all(fleet.workers.map((w) => w.exited));

      fleet.web = await bootApp(db, [], { worker: false });
      const runs = await fleet.web.dataSource
        .getRepository(Run)
        .find({ where: { jobName: 'cluster.tick' }, order: { scheduledFor: 'ASC' } });
      const slots = runs.map((r) => r.scheduledFor!);
      expect(runs.length).toBeGreaterThanOrEqual(15);
      expect(runs.every((r) => r.status === 'COMPLETED')).toBe(true);
      expect(new Set(slots).size).toBe(slots.length); // no slot twice
      for (let i = 1; i < slots.length; i++) expect(slots[i] - slots[i - 1]).toBe(1000); // and none skipped
      expect(new Set(runs.map((r) => r.worker)).size).toBeGreaterThan(1); // shared by the fleet
      expect(await fleet.web.dataSource.getRepository(Task).countBy({ jobName: 'cluster.tick' })).toBe(1);
    }, 90_000);
  },
  ['postgres', 'mysql'],
);
