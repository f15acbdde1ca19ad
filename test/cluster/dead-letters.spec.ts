import 'reflect-metadata';
import { fork, type ChildProcess } from 'node:child_process';
import { Injectable } from '@nestjs/common';
import { Like } from 'typeorm';
import { Job, Run, Task, type DeadLetter } from '../../lib/index.js';
import { describeForDialects } from '../support/databases.js';
import { buildFixtures } from '../support/processes.js';
import { bootApp, freshDatabase, waitFor, type TestApp, type TestDatabase } from '../support/test-app.js';

const handled: DeadLetter[] = [];

/** The jobs of test/fixtures/dead-letter-worker.ts, as this process registers them (never run here but `flow.failed`). */
@Injectable()
class DeadLetterJobs {
  @Job('flow.charge', { retries: 1, deadLetter: 'flow.failed' })
  async charge() {
    throw new Error('not run here');
  }

  @Job('flow.hang', { retries: 1, deadLetter: 'flow.failed' })
  async hang() {
    throw new Error('not run here');
  }

  @Job('flow.failed')
  async failed(letter: DeadLetter) {
    handled.push(letter);
  }
}

/** Start test/fixtures/dead-letter-worker.js in `mode`; resolves with the process once it is ready. */
async function startWorker(db: TestDatabase, mode: string): Promise<{ child: ChildProcess; messages: string[] }> {
  buildFixtures();
  const child = fork('.build/test/fixtures/dead-letter-worker.js', [], {
    env: {
      ...process.env,
      KRONOS_FIXTURE_DB: JSON.stringify(db.options),
      KRONOS_FIXTURE_LOG: '/dev/null',
      KRONOS_FIXTURE_MODE: mode,
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const messages: string[] = [];
  await new Promise<void>((resolve, reject) => {
    child.on('message', (message) => {
      if (message === 'ready') resolve();
      else messages.push(message as string);
    });
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
  });
  return { child, messages };
}

/** SIGKILL `child` and wait until it is gone. */
async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

describeForDialects('dead letters across a crash', (dialect) => {
  const children: ChildProcess[] = [];
  const apps: TestApp[] = [];
  afterEach(async () => {
    for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) await kill(child);
    for (const app of apps.splice(0)) await app.close();
  });

  const letterRows = (app: TestApp, taskId: number) =>
    app.dataSource.getRepository(Task).findBy({ jobName: 'flow.failed', uuid: Like(`kronos:dead-letter:${taskId}:%`) });

  it('a worker killed with SIGKILL right after committing a last failure leaves that failure with its dead letter', async () => {
    const db = await freshDatabase(dialect);
    const web = await bootApp(db, [DeadLetterJobs], { worker: false });
    apps.push(web);
    const worker = await startWorker(db, 'pause-after-commit');
    children.push(worker.child);

    // In a group only the worker process serves (its dead letter goes to `main`, which it does not).
    const { id } = await web.scheduler.enqueue('flow.charge', { n: 7 }, { retries: 0, group: 'crash' });
    await waitFor(() => worker.messages.includes(`committed ${id}`), 30_000, 'the failure committed');
    await kill(worker.child);

    const task = await web.dataSource.getRepository(Task).findOneByOrFail({ id });
    expect(task.status).toBe('FAILED');
    const rows = await letterRows(web, id);
    expect(rows).toHaveLength(1);
    expect(JSON.parse(rows[0].payload!)).toMatchObject({
      taskId: id,
      job: 'flow.charge',
      payload: { n: 7 },
      status: 'FAILED',
      attempts: 1,
      error: { message: 'charge 7 declined' },
    });

    // Another process hands it to the dead-letter job, once.
    handled.length = 0;
    apps.push(await bootApp(db, [DeadLetterJobs]));
    await waitFor(() => handled.some((letter) => letter.taskId === id), 20_000, 'the dead letter handled');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(handled.filter((letter) => letter.taskId === id)).toHaveLength(1);
  }, 90_000);

  it('a worker killed with SIGKILL in a last attempt: two rescuers fail the task and queue exactly one dead letter, status LOST', async () => {
    const db = await freshDatabase(dialect);
    const web = await bootApp(db, [DeadLetterJobs], { worker: false });
    apps.push(web);
    const worker = await startWorker(db, 'hang-last-attempt');
    children.push(worker.child);

    const { id } = await web.scheduler.enqueue('flow.hang', { order: 9 });
    await waitFor(() => worker.messages.includes(`running ${id}`), 30_000, 'the last attempt running');
    await kill(worker.child);

    // Two processes start rescuing at once (deadAfter 1 s): the task is failed once, with one dead letter.
    handled.length = 0;
    apps.push(...(await Promise.all([bootApp(db, [DeadLetterJobs]), bootApp(db, [DeadLetterJobs])])));
    await waitFor(() => handled.some((letter) => letter.taskId === id), 30_000, 'the dead letter handled');
    await new Promise((resolve) => setTimeout(resolve, 1500)); // both rescuers get another round
    const task = await web.dataSource.getRepository(Task).findOneByOrFail({ id });
    expect(task.status).toBe('FAILED');
    const runs = await web.dataSource.getRepository(Run).find({ where: { taskId: id }, order: { attempt: 'ASC' } });
    expect(runs.map((run) => [run.attempt, run.status])).toEqual([
      [1, 'FAILED'],
      [2, 'LOST'],
    ]);
    expect(await letterRows(web, id)).toHaveLength(1);
    const letters = handled.filter((letter) => letter.taskId === id);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toEqual({
      taskId: id,
      uuid: task.uuid,
      job: 'flow.hang',
      payload: { order: 9 },
      status: 'LOST',
      attempts: 2,
      error: { message: expect.stringMatching(/^worker lost: .+ stopped heartbeating$/), traceback: null },
      failedAt: expect.any(Number),
      runAs: null,
    });
  }, 90_000);
});
