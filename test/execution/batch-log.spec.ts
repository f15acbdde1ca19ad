import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { Job, JobContext, SchedulerContext, type BatchContext } from '../../lib/index.js';
import { ADMIN_HEADER, ADMIN_TOKEN, bootDashboardApp, type DashboardApp } from '../dashboard/support/dashboard-app.js';
import { describeForDialects } from '../support/databases.js';
import { freshDatabase, waitFor, waitForTask } from '../support/test-app.js';

interface Login {
  n: number;
  password: string;
}

/** A promise the test resolves to let a handler go on. */
class Gate {
  open: () => void = () => undefined;
  readonly opened = new Promise<void>((resolve) => (this.open = resolve));
}

let afterStop = new Gate();
let finish = new Gate();
/** What the handler reached, and what `SchedulerContext` answered inside it. */
const reached = { first: false, second: false };
const seenInside: { batchTasks: number[] | null; current: unknown }[] = [];
const seenInSingle: { batch: unknown; current: number | null }[] = [];

/** A service deep in the handler's call chain: it is handed nothing, and finds the call itself. */
function announce(what: string): void {
  const call = SchedulerContext.currentBatch<Login>();
  seenInside.push({ batchTasks: call?.tasks.map((task) => task.taskId) ?? null, current: SchedulerContext.current() });
  call?.log(what);
}

@Injectable()
class LoginJobs {
  /** Writes per task and for the whole call, waits for the test, then writes again. */
  @Job('login.check', { batch: { size: 10 }, sensitive: ['password'], timeout: '1m' })
  async check(logins: Login[], ctx: BatchContext<Login>) {
    ctx.tasks.forEach((task, i) => {
      task.log('task', task.payload.n, 'signs in with', task.payload.password);
      task.progress(10 * (i + 1), `checking ${task.payload.password}`);
    });
    ctx.log('call of', logins.length, 'with', logins.map((login) => login.password).join(','));
    reached.first = true;
    await afterStop.opened;
    announce('after the stop');
    ctx.progress(80.4, 'all checked');
    ctx.tasks[1].log('late line for task 1');
    ctx.tasks[1].progress(99, 'late progress for task 1');
    reached.second = true;
    await finish.opened;
    return logins.map(({ n }) => ({ n }));
  }

  @Job('login.single', { sensitive: ['password'] })
  async single(login: Login, ctx: JobContext<Login>) {
    ctx.log('task', login.n, 'signs in with', login.password);
    seenInSingle.push({ batch: SchedulerContext.currentBatch(), current: SchedulerContext.current()?.taskId ?? null });
  }
}

const PASSWORDS = ['pw-alpha-1', 'pw-bravo-2', 'pw-charlie-3'];

describeForDialects('batch handler output and progress', (dialect) => {
  let d: DashboardApp;
  beforeAll(async () => {
    d = await bootDashboardApp({ providers: [LoginJobs], db: await freshDatabase(dialect) });
  });
  afterAll(() => d?.close());
  const runPage = async (runId: number) =>
    (await fetch(`${d.url}/runs/${runId}`, { headers: { [ADMIN_HEADER]: ADMIN_TOKEN } })).text();

  it("each task's run holds its own lines and the call's, progress lands per task, and a stopped task gets nothing more", async () => {
    afterStop = new Gate();
    finish = new Gate();
    Object.assign(reached, { first: false, second: false });
    seenInside.length = 0;
    seenInSingle.length = 0;
    const ids = (
      await d.scheduler.enqueueMany(
        'login.check',
        PASSWORDS.map((password, n) => ({ n, password })),
      )
    ).map((task) => task.id);

    // Live, per task: its own progress, its own line and the call's line.
    await waitFor(() => reached.first, 10_000, 'the call started');
    const live = await waitFor(
      async () => {
        const views = await Promise.all(ids.map((id) => d.scheduler.status(id)));
        return views.every((view) => view.task.progress !== null && view.task.output?.includes('call of'))
          ? views
          : null;
      },
      10_000,
      'progress and output of every task',
    );
    expect(live.map((view) => [view.task.status, view.task.progress, view.task.progressMessage])).toEqual([
      ['RUNNING', 10, 'checking pw-alpha-1'],
      ['RUNNING', 20, 'checking pw-bravo-2'],
      ['RUNNING', 30, 'checking pw-charlie-3'],
    ]);
    // A task keeps its own values (the dashboard redacts them); the other tasks' never reach it.
    expect(live.map((view) => view.task.output)).toEqual([
      'task 0 signs in with pw-alpha-1\ncall of 3 with pw-alpha-1,[redacted],[redacted]',
      'task 1 signs in with pw-bravo-2\ncall of 3 with [redacted],pw-bravo-2,[redacted]',
      'task 2 signs in with pw-charlie-3\ncall of 3 with [redacted],[redacted],pw-charlie-3',
    ]);

    // Task 1 is stopped mid-call; what the call writes afterwards reaches the other two only.
    await d.scheduler.stop(ids[1]);
    const stopped = await waitForTask(d.scheduler, ids[1], ['STOPPED']);
    afterStop.open();
    await waitFor(() => reached.second, 10_000, 'the writes after the stop');
    const later = await waitFor(
      async () => {
        const views = await Promise.all([ids[0], ids[2]].map((id) => d.scheduler.status(id)));
        return views.every((view) => view.task.progress === 80 && view.task.output?.endsWith('after the stop'))
          ? views
          : null;
      },
      10_000,
      "the call's progress on the tasks still running",
    );
    expect(later.map((view) => view.task.progressMessage)).toEqual(['all checked', 'all checked']);
    expect(seenInside).toEqual([{ batchTasks: ids, current: undefined }]);
    finish.open();

    for (const id of [ids[0], ids[2]]) await waitForTask(d.scheduler, id, ['COMPLETED']);
    const runOf = async (id: number) => (await d.scheduler.runs({ taskId: id }))[0];
    expect((await runOf(ids[0])).output).toBe(
      'task 0 signs in with pw-alpha-1\ncall of 3 with pw-alpha-1,[redacted],[redacted]\nafter the stop',
    );
    expect((await runOf(ids[2])).output).toBe(
      'task 2 signs in with pw-charlie-3\ncall of 3 with [redacted],[redacted],pw-charlie-3\nafter the stop',
    );
    const stoppedRun = await runOf(ids[1]);
    expect(stoppedRun.id).toBe(stopped.latestRun!.id);
    expect([stoppedRun.status, stoppedRun.output]).toEqual([
      'STOPPED',
      'task 1 signs in with pw-bravo-2\ncall of 3 with [redacted],pw-bravo-2,[redacted]',
    ]);
    expect((await d.scheduler.status(ids[1])).task).toMatchObject({ status: 'STOPPED', progress: null, output: null });

    // On the dashboard, every line of every task is redacted as a single task's line is.
    const single = await waitForTask(
      d.scheduler,
      (await d.scheduler.enqueue('login.single', { n: 7, password: 'pw-single-7' })).id,
      ['COMPLETED'],
    );
    expect(await runPage(single.latestRun!.id)).toContain('task 7 signs in with [redacted]');
    expect(seenInSingle).toEqual([{ batch: undefined, current: single.task.id }]);
    for (const [i, id] of ids.entries()) {
      const html = await runPage((await runOf(id)).id);
      expect(html).toContain(`task ${i} signs in with [redacted]`);
      expect(html).toContain('call of 3 with [redacted],[redacted],[redacted]');
      for (const secret of PASSWORDS)
        expect({ task: i, leaks: html.includes(secret) }).toEqual({ task: i, leaks: false });
    }
  });
});
