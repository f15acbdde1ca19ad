import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { InvalidJobOptionError, Job, Run, Task, TaskNotFoundError } from '../../lib/index.js';
import { describeForDialects } from '../support/databases.js';
import { bootApp, freshDatabase, waitFor, type TestApp, type TestDatabase } from '../support/test-app.js';

const attempts = new Map<number, number>();

@Injectable()
class ReceiptJobs {
  @Job('receipts.send', { removeOnComplete: true })
  async send(payload: { order: number }) {
    return { sent: payload.order };
  }

  @Job('receipts.flaky', { removeOnComplete: true, retries: 1 })
  async flaky(_payload: unknown, ctx: { taskId: number }) {
    const n = (attempts.get(ctx.taskId) ?? 0) + 1;
    attempts.set(ctx.taskId, n);
    if (n === 1) throw new Error('mail server busy');
    return 'sent on retry';
  }

  @Job('receipts.broken', { removeOnComplete: true })
  async broken() {
    throw new Error('no such address');
  }

  @Job('receipts.kept')
  async kept() {
    return 'kept';
  }
}

describeForDialects('removeOnComplete', (dialect) => {
  let t: TestApp;
  let db: TestDatabase;
  beforeAll(async () => {
    attempts.clear(); // task ids start at 1 again on each database
    db = await freshDatabase(dialect);
    t = await bootApp(db, [ReceiptJobs], { retryBackoff: 10 });
  });
  afterAll(() => t?.close());
  const taskExists = async (id: number) => (await t.dataSource.getRepository(Task).countBy({ id })) === 1;
  const runsOf = (id: number) => t.dataSource.getRepository(Run).find({ where: { taskId: id }, order: { id: 'ASC' } });
  const ranOnce = (id: number, status: string) =>
    waitFor(async () => (await runsOf(id)).find((r) => r.status === status), 20_000, `a ${status} run of task ${id}`);

  it('a completed task of the job is deleted; its run, with the result, stays in the history', async () => {
    const { id } = await t.scheduler.enqueue('receipts.send', { order: 7 });
    await ranOnce(id, 'COMPLETED');
    await waitFor(async () => !(await taskExists(id)), 10_000, `task ${id} deleted`);
    await expect(t.scheduler.status(id)).rejects.toBeInstanceOf(TaskNotFoundError);
    const history = await t.scheduler.runs({ job: 'receipts.send' });
    expect(history.find((r) => r.taskId === id)).toMatchObject({ status: 'COMPLETED', result: '{"sent":7}' });
  });

  it('a retried task keeps its row until it completes, then goes; both attempts stay in the history', async () => {
    const { id } = await t.scheduler.enqueue('receipts.flaky');
    await ranOnce(id, 'COMPLETED');
    await waitFor(async () => !(await taskExists(id)), 10_000, `task ${id} deleted`);
    expect((await runsOf(id)).map((r) => r.status)).toEqual(['FAILED', 'COMPLETED']);
  });

  it('a task that fails for good keeps its row, and a job without the option keeps its completed tasks', async () => {
    const broken = await t.scheduler.enqueue('receipts.broken');
    const kept = await t.scheduler.enqueue('receipts.kept');
    await ranOnce(broken.id, 'FAILED');
    await ranOnce(kept.id, 'COMPLETED');
    await waitFor(async () => (await t.scheduler.status(broken.id)).task.status === 'FAILED', 10_000, 'FAILED task');
    await waitFor(async () => (await t.scheduler.status(kept.id)).task.status === 'COMPLETED', 10_000, 'COMPLETED');
  });
});

describe('the removeOnComplete job option', () => {
  it('must be a boolean: the error names the job, the field and the value', async () => {
    @Injectable()
    class NotABoolean {
      @Job('receipts.typo', { removeOnComplete: 'yes' as never })
      async typo() {}
    }
    const db = await freshDatabase('sqlite');
    const error = await bootApp(db, [NotABoolean]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidJobOptionError);
    expect((error as InvalidJobOptionError).field).toBe('removeOnComplete');
    expect((error as Error).message).toContain(
      'Invalid option for job "receipts.typo": removeOnComplete "yes" is not a boolean',
    );
  });
});
