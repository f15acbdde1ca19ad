import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import {
  BulkEnqueueItemError,
  IdempotencyConflictError,
  InvalidEnqueueOptionError,
  Job,
  PayloadNotSerializableError,
  PayloadTooLargeError,
  Task,
  UnknownJobError,
} from '../../lib/index.js';
import { describeForDialects } from '../support/databases.js';
import { bootApp, freshDatabase, waitFor, type TestApp } from '../support/test-app.js';

const handled: { job: string; payload: unknown }[] = [];

@Injectable()
class BulkJobs {
  @Job('mail.send')
  async send(payload: unknown) {
    handled.push({ job: 'mail.send', payload });
  }

  @Job('report.build', { priority: 3 })
  async build(payload: unknown) {
    handled.push({ job: 'report.build', payload });
  }
}

describeForDialects('enqueueMany', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    // No worker: the tasks stay as written, to be read back.
    t = await bootApp(await freshDatabase(dialect), [BulkJobs], { maxPayloadBytes: 1000, worker: false });
  });
  afterAll(() => t?.close());
  const tasks = () => t.dataSource.getRepository(Task);
  const taskCount = () => tasks().count();

  it('queues one task per payload and returns their ids in the order given', async () => {
    const payloads = Array.from({ length: 2500 }, (_, n) => ({ n }));
    const ids = await t.scheduler.enqueueMany('mail.send', payloads, { chunkSize: 1000, priority: 7 });
    expect(ids).toHaveLength(2500);
    const rows = await tasks().find({
      where: ids
        .slice(0, 5)
        .concat(ids.slice(-5))
        .map(({ id }) => ({ id })),
    });
    const byId = new Map(rows.map((row) => [row.id, row]));
    for (const [n, { id, uuid }] of [...ids.entries()].filter(([n]) => n < 5 || n >= 2495)) {
      const row = byId.get(id)!;
      expect(row.uuid).toBe(uuid);
      expect(JSON.parse(row.payload!)).toEqual({ n });
      expect(row).toMatchObject({ jobName: 'mail.send', status: 'QUEUED', priority: 7 });
    }
    expect(new Set(ids.map(({ id }) => id)).size).toBe(2500);
    // Their uuids are time-ordered (UUIDv7): in the order given, so the uuid index grows at its end.
    const uuids = ids.map(({ uuid }) => uuid);
    expect(
      uuids.every((uuid) => /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(uuid)),
    ).toBe(true);
    expect([...uuids].sort()).toEqual(uuids);
  });

  it('takes tasks of several jobs with options of their own over the shared ones', async () => {
    const startAt = new Date(Date.now() + 3_600_000);
    const ids = await t.scheduler.enqueueMany(
      [
        { job: 'mail.send', payload: { to: 'a@example.com' } },
        { job: 'report.build', payload: { month: 5 }, startAt, uuid: 'report-2026-05' },
        { job: 'mail.send', payload: { to: 'b@example.com' }, group: 'bulk', priority: 1 },
      ],
      { group: 'mail', retries: 2 },
    );
    const [a, report, b] = await Promise.all(ids.map(({ id }) => tasks().findOneByOrFail({ id })));
    expect(a).toMatchObject({ jobName: 'mail.send', group: 'mail', retries: 2, priority: 0 });
    expect(report).toMatchObject({
      jobName: 'report.build',
      uuid: 'report-2026-05',
      group: 'mail',
      priority: 3,
      nextRunTime: startAt.getTime(),
    });
    expect(b).toMatchObject({ jobName: 'mail.send', group: 'bulk', priority: 1 });
    expect(ids[1].uuid).toBe('report-2026-05');
  });

  it.each([
    ['an unknown job', () => t.scheduler.enqueueMany([{ job: 'mail.send' }, { job: 'mail.sned' }]), 1, UnknownJobError],
    [
      'a payload that is not JSON',
      () => t.scheduler.enqueueMany('mail.send', [{}, {}, { amount: 10n }]),
      2,
      PayloadNotSerializableError,
    ],
    [
      'a payload over maxPayloadBytes',
      () => t.scheduler.enqueueMany('mail.send', [{ body: 'x'.repeat(2000) }]),
      0,
      PayloadTooLargeError,
    ],
    [
      'an invalid option',
      () => t.scheduler.enqueueMany([{ job: 'mail.send' }, { job: 'mail.send', retries: -1 }]),
      1,
      InvalidEnqueueOptionError,
    ],
    [
      'an option no item takes',
      () => t.scheduler.enqueueMany([{ job: 'mail.send', priorty: 2 } as never]),
      0,
      InvalidEnqueueOptionError,
    ],
  ])('refuses a batch holding %s, naming the item, and writes nothing', async (_what, call, index, cause) => {
    const before = await taskCount();
    const error = await call().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BulkEnqueueItemError);
    expect((error as BulkEnqueueItemError).index).toBe(index);
    expect((error as BulkEnqueueItemError).cause).toBeInstanceOf(cause);
    expect((error as Error).message).toContain(`enqueueMany item ${index}`);
    expect(await taskCount()).toBe(before);
  });

  it('refuses a uuid in the shared options, and a chunk size out of range', async () => {
    await expect(t.scheduler.enqueueMany('mail.send', [{}], { uuid: 'one-for-all' } as never)).rejects.toThrow(
      /uuid "one-for-all" is per task/,
    );
    await expect(t.scheduler.enqueueMany('mail.send', [{}], { chunkSize: 0 })).rejects.toThrow(
      InvalidEnqueueOptionError,
    );
    await expect(t.scheduler.enqueueMany('mail.send', {} as never)).rejects.toThrow(/payloads \{\} must be an array/);
  });

  it('writes nothing when a uuid of the batch belongs to other work, even after earlier chunks were inserted', async () => {
    await t.scheduler.enqueue('mail.send', { to: 'first' }, { uuid: 'taken-uuid' });
    const before = await taskCount();
    const items = Array.from({ length: 30 }, (_, n) => ({ job: 'mail.send', payload: { n } }));
    items.push({ job: 'mail.send', payload: { to: 'second' }, uuid: 'taken-uuid' } as never);
    const error = await t.scheduler.enqueueMany(items, { chunkSize: 10 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BulkEnqueueItemError);
    expect((error as BulkEnqueueItemError).index).toBe(30);
    expect((error as BulkEnqueueItemError).cause).toBeInstanceOf(IdempotencyConflictError);
    expect(await taskCount()).toBe(before);
  });

  it('returns the existing task for a repeated uuid, in the batch and across batches', async () => {
    const items = [
      { job: 'mail.send', payload: { to: 'x' }, uuid: 'bulk-repeat' },
      { job: 'mail.send', payload: { to: 'x' }, uuid: 'bulk-repeat' },
    ];
    const first = await t.scheduler.enqueueMany(items);
    const again = await t.scheduler.enqueueMany(items);
    expect(first[1]).toEqual(first[0]);
    expect(again).toEqual(first);
    expect(await tasks().countBy({ uuid: 'bulk-repeat' })).toBe(1);
  });

  it("joins the caller's transaction: a rollback removes every task of the batch", async () => {
    const before = await taskCount();
    let ids: { id: number }[] = [];
    await t.dataSource
      .transaction(async (manager) => {
        ids = await t.scheduler.enqueueMany(
          'mail.send',
          Array.from({ length: 1200 }, (_, n) => ({ n })),
          { manager, chunkSize: 500 },
        );
        expect(await manager.getRepository(Task).count()).toBe(before + 1200);
        throw new Error('rolled back on purpose');
      })
      .catch(() => undefined);
    expect(ids).toHaveLength(1200);
    expect(await taskCount()).toBe(before);
  });

  it('returns an empty list for an empty batch', async () => {
    await expect(t.scheduler.enqueueMany('mail.send', [])).resolves.toEqual([]);
    await expect(t.scheduler.enqueueMany([])).resolves.toEqual([]);
  });
});

describeForDialects('enqueueMany with a worker', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp(await freshDatabase(dialect), [BulkJobs]);
  });
  afterAll(() => t?.close());

  it('runs every task of the batch once', async () => {
    handled.length = 0;
    await t.scheduler.enqueueMany(
      'mail.send',
      Array.from({ length: 300 }, (_, n) => ({ n })),
    );
    await waitFor(() => handled.length >= 300, 30_000, '300 tasks run');
    const seen = handled.map(({ payload }) => (payload as { n: number }).n).sort((a, b) => a - b);
    expect(seen).toEqual(Array.from({ length: 300 }, (_, n) => n));
  });
});
