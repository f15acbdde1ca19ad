import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { Job, JobContext, Run, Worker } from '../../lib/index.js';
import { KronosRuntime } from '../../lib/kronos.runtime.js';
import { SchedulerBootstrap } from '../../lib/scheduler.bootstrap.js';
import { describeForDialects } from '../support/databases.js';
import { bootApp, freshDatabase, waitFor, waitForTask, type TestApp } from '../support/test-app.js';

const seen: { app: string; attempt: number; aborted: string | null; finished: boolean }[] = [];

/** Each app gets its own instance, named after the app, so the test knows who ran what. */
function jobsFor(app: string) {
  @Injectable()
  class SlowJobs {
    @Job('slow.report', { retries: 1 })
    async report(_: unknown, ctx: JobContext) {
      const entry = { app, attempt: ctx.attempt, aborted: null as string | null, finished: false };
      seen.push(entry);
      ctx.signal.addEventListener('abort', () => (entry.aborted = String((ctx.signal.reason as Error)?.message)));
      // A slow handler that does not watch its signal: it completes regardless.
      await new Promise((r) => setTimeout(r, app === 'A' ? 1500 : 50));
      entry.finished = true;
      return { by: app };
    }
  }
  return SlowJobs;
}

describeForDialects(
  'a lease stolen from a slow handler',
  (dialect) => {
    let a: TestApp | undefined;
    let b: TestApp | undefined;
    afterEach(async () => {
      await a?.close();
      await b?.close();
      a = b = undefined;
    });

    it("rejects the stale completion, aborts the handler's signal, and ends with exactly one COMPLETED run", async () => {
      seen.length = 0;
      const db = await freshDatabase(dialect);
      // A heartbeats rarely, so the backdated heartbeat below stays backdated.
      a = await bootApp(db, [jobsFor('A')], {
        worker: {
          pollInterval: 25,
          syncInterval: 25,
          heartbeatInterval: 60_000,
          deadAfter: 180_000,
          exitOnCommand: false,
        },
      });
      const { id } = await a.scheduler.enqueue('slow.report');
      const claimedByA = (await waitForTask(a.scheduler, id, ['RUNNING'])).task.assignedWorker!;
      // A is slow, not dead: it keeps running its attempt but takes nothing new.
      a.app.get(SchedulerBootstrap, { strict: false }).currentWorker!.claiming = false;
      b = await bootApp(db, [jobsFor('B')]);

      // A looks dead: its heartbeat is backdated by an hour, and B's rescue runs at once.
      await a.dataSource.getRepository(Worker).update({ name: claimedByA }, { lastHeartbeat: Date.now() - 3_600_000 });
      await b.app.get(KronosRuntime, { strict: false }).engine.rescueOrphans(1000, null); // (B's own rescue tick may get there first)

      const done = await waitForTask(b.scheduler, id, ['COMPLETED']);
      expect(JSON.parse(done.latestRun!.result!)).toEqual({ by: 'B' });
      await waitFor(() => seen.find((s) => s.app === 'A')!.aborted, 5000, "A's signal to be aborted");
      expect(seen.find((s) => s.app === 'A')!.aborted).toContain('lease lost');
      await waitFor(() => seen.find((s) => s.app === 'A')!.finished, 5000, "A's handler to finish");
      await new Promise((r) => setTimeout(r, 300)); // A's late completion would be written by now

      const runs = await b.dataSource.getRepository(Run).find({ where: { taskId: id }, order: { id: 'ASC' } });
      expect(runs.map((r) => [r.status, r.attempt])).toEqual([
        ['LOST', 1],
        ['COMPLETED', 2],
      ]);
      expect(runs[0].worker).toBe(claimedByA);
      expect(runs[1].worker).not.toBe(claimedByA);
    }, 60_000);
  },
  ['sqlite', 'postgres', 'mysql'],
);
