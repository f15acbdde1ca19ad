import 'reflect-metadata';
import { Injectable, type Type } from '@nestjs/common';
import { InvalidTaskEventListenerError, Job, OnTaskEvent, type TaskEvent } from '../../lib/index.js';
import { KronosRuntime } from '../../lib/kronos.runtime.js';
import { describeForDialects } from '../support/databases.js';
import { bootApp, freshDatabase, waitFor, waitForTask, type TestApp } from '../support/test-app.js';
import { ContextLogger, EventRecorder } from './recorder.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

@Injectable()
class ReportJobs {
  @Job('reports.daily')
  async daily() {
    return 'daily';
  }

  @Job('reports.weekly')
  async weekly() {
    return 'weekly';
  }

  @Job('billing.charge', { retries: 1 })
  async charge(payload: { fail: boolean }) {
    if (payload.fail) throw new Error('card declined');
    return 'charged';
  }
}

/** Listeners that filter by job, and listeners that break. */
@Injectable()
class Listeners {
  static reports: string[] = [];
  static billing: string[] = [];
  static slowStarted = 0;

  @OnTaskEvent('completed', { job: 'reports.*' })
  onReport(event: TaskEvent) {
    Listeners.reports.push(event.job);
  }

  @OnTaskEvent(['completed', 'retrying', 'failed'], { job: /^billing\./ })
  onBilling(event: TaskEvent) {
    Listeners.billing.push(`${event.type} ${event.attempt}`);
  }

  @OnTaskEvent(['completed', 'failed'], { job: 'billing.charge' })
  throws(event: TaskEvent) {
    throw new Error(`listener broke on ${event.type}`);
  }

  @OnTaskEvent('retrying')
  async rejects(): Promise<void> {
    throw new Error('async listener broke');
  }

  @OnTaskEvent('completed', { job: 'reports.daily' })
  async slow(): Promise<void> {
    Listeners.slowStarted++;
    await new Promise(() => undefined); // never settles: the worker does not wait for it
  }
}

describeForDialects(
  'task event listeners',
  (dialect) => {
    let t: TestApp;
    const logger = new ContextLogger();

    beforeAll(async () => {
      EventRecorder.events = [];
      Listeners.reports = [];
      Listeners.billing = [];
      t = await bootApp(
        await freshDatabase(dialect),
        [ReportJobs, Listeners, EventRecorder],
        { retryBackoff: 20 },
        { logger },
      );
    });
    afterAll(() => t?.close());

    it('a listener filtered by a glob or a RegExp hears only the jobs it names', async () => {
      const daily = await t.scheduler.enqueue('reports.daily');
      const weekly = await t.scheduler.enqueue('reports.weekly');
      const charge = await t.scheduler.enqueue('billing.charge', { fail: false });
      for (const { id } of [daily, weekly, charge]) await waitForTask(t.scheduler, id, ['COMPLETED']);
      await waitFor(() => EventRecorder.of(charge.id).length === 1);
      await sleep(50);
      expect(Listeners.reports.sort()).toEqual(['reports.daily', 'reports.weekly']);
      expect(Listeners.billing).toEqual(['completed 1']);
    });

    it('a listener that throws, rejects or never settles changes no outcome, blocks nothing, and is logged under the Kronos context', async () => {
      Listeners.billing = [];
      const failing = await t.scheduler.enqueue('billing.charge', { fail: true });
      const { task, latestRun } = await waitForTask(t.scheduler, failing.id, ['FAILED']);
      expect(task).toMatchObject({ status: 'FAILED', timesFailed: 2 });
      expect(latestRun).toMatchObject({ status: 'FAILED', message: 'card declined', attempt: 2 });
      await waitFor(() => Listeners.billing.length === 2);
      expect(Listeners.billing).toEqual(['retrying 1', 'failed 2']);

      // The worker carries on: the never-settling listener of reports.daily runs beside new work.
      const before = Listeners.slowStarted;
      const again = await t.scheduler.enqueue('reports.daily');
      await waitForTask(t.scheduler, again.id, ['COMPLETED']);
      await waitFor(() => Listeners.slowStarted > before);
      expect((await t.scheduler.status(again.id)).task.status).toBe('COMPLETED');

      const errors = await waitFor(() => {
        const lines = logger.lines.filter((l) => l.level === 'error' && l.message.startsWith('Task event listener'));
        return lines.length >= 3 ? lines : null;
      });
      expect(errors.map((l) => [l.context, l.message])).toEqual(
        expect.arrayContaining([
          [
            'Kronos',
            `Task event listener Listeners.throws failed on "completed" of task ${(await firstCompletedCharge()).taskId} (billing.charge): listener broke on completed`,
          ],
          [
            'Kronos',
            `Task event listener Listeners.throws failed on "failed" of task ${failing.id} (billing.charge): listener broke on failed`,
          ],
          [
            'Kronos',
            `Task event listener Listeners.rejects failed on "retrying" of task ${failing.id} (billing.charge): async listener broke`,
          ],
        ]),
      );
      // The stack travels in the line's structured fields (err), with the task's.
      expect(errors[0].raw).toMatchObject({
        job: 'billing.charge',
        listener: 'Listeners.throws',
        event: 'completed',
        err: { message: 'listener broke on completed' },
      });
      expect((errors[0].raw as { err: { stack: string } }).err.stack).toContain('Error: listener broke on completed');
    });

    const firstCompletedCharge = () =>
      waitFor(() => EventRecorder.events.find((e) => e.job === 'billing.charge' && e.type === 'completed'));
  },
  ['sqlite', 'postgres'],
);

describeForDialects(
  'nobody listening',
  (dialect) => {
    let t: TestApp;
    beforeAll(async () => {
      t = await bootApp(await freshDatabase(dialect), [ReportJobs]);
    });
    afterAll(() => t?.close());

    it('builds no events while there is no listener and no subscriber, and starts with the first subscriber', async () => {
      const events = t.app.get(KronosRuntime, { strict: false }).events;
      expect(events.active).toBe(false);
      const seen: TaskEvent[] = [];
      const subscription = t.scheduler.events$.subscribe((event) => seen.push(event));
      expect(events.active).toBe(true);
      const { id } = await t.scheduler.enqueue('reports.weekly');
      await waitFor(() => seen.find((e) => e.taskId === id));
      subscription.unsubscribe();
      expect(events.active).toBe(false);
      const quiet = await t.scheduler.enqueue('reports.weekly');
      await waitForTask(t.scheduler, quiet.id, ['COMPLETED']);
      await sleep(50);
      expect(seen.map((e) => [e.taskId, e.type])).toEqual([[id, 'completed']]);
    });
  },
  ['sqlite'],
);

describe('@OnTaskEvent declarations', () => {
  const boot = async (provider: Type) => {
    const db = await freshDatabase('sqlite');
    return bootApp(db, [provider as never]);
  };

  it('an unknown event fails start-up naming the provider, the method and the value', async () => {
    @Injectable()
    class Typo {
      @OnTaskEvent('finished' as never)
      handle() {}
    }
    await expect(boot(Typo)).rejects.toThrow(InvalidTaskEventListenerError);
    await expect(boot(Typo)).rejects.toThrow(
      'Invalid task event listener on Typo.handle: unknown event "finished"; expected one of completed, failed, timeout, retrying, stopped, interrupted, lost, expired.',
    );
  });

  it('a job filter that is not a name, glob or RegExp fails start-up', async () => {
    @Injectable()
    class BadFilter {
      @OnTaskEvent('failed', { job: 42 as never })
      handle() {}
    }
    await expect(boot(BadFilter)).rejects.toThrow(
      "Invalid task event listener on BadFilter.handle: job 42 is not a job name, a glob such as 'reports.*' or a RegExp.",
    );
  });
});
