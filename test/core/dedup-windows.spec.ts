import 'reflect-metadata';
import { fork } from 'node:child_process';
import { Injectable } from '@nestjs/common';
import type { DataSourceOptions } from 'typeorm';
import { IdempotencyConflictError, InvalidEnqueueOptionError, Job, Task, type UniqueOptions } from '../../lib/index.js';
import { describeForDialects } from '../support/databases.js';
import { buildFixtures } from '../support/processes.js';
import { bootApp, freshDatabase, waitForTask, type TestApp, type TestDatabase } from '../support/test-app.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

@Injectable()
class DedupJobs {
  @Job('flow.dedup')
  async dedup() {
    return 'ok';
  }

  @Job('flow.other')
  async other() {
    return 'ok';
  }
}

type Result = { key: string; round: number; id: number; deduplicated: string | null };

/** Start three enqueuing processes (test/fixtures/enqueue-process.ts), let them race, collect what each got. */
async function race(
  db: DataSourceOptions,
  orders: { keys: string[]; rounds: number; unique: Omit<UniqueOptions, 'key'>; pauseMs?: number },
): Promise<Result[]> {
  buildFixtures();
  const children = [0, 1, 2].map(() =>
    fork('.build/test/fixtures/enqueue-process.js', [], {
      env: { ...process.env, KRONOS_FIXTURE_DB: JSON.stringify(db) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  try {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>(
            (resolve, reject) => (
              child.once('message', () => resolve()),
              child.once('exit', (code) => reject(new Error(`enqueuer exited with ${code}`)))
            ),
          ),
      ),
    );
    const answers = children.map(
      (child) => new Promise<{ results?: Result[]; error?: string }>((resolve) => child.once('message', resolve)),
    );
    for (const child of children) child.send(orders);
    const all = await Promise.all(answers);
    for (const answer of all) if (answer.error) throw new Error(answer.error);
    return all.flatMap((answer) => answer.results!);
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  }
}

describeForDialects('deduplication windows', (dialect) => {
  let db: TestDatabase;
  let t: TestApp;
  beforeAll(async () => {
    db = await freshDatabase(dialect);
    t = await bootApp(db, [DedupJobs], { worker: false });
  });
  afterAll(() => t?.close());
  const tasks = () => t.dataSource.getRepository(Task);
  const enqueue = (key: string, payload: unknown, unique: Partial<UniqueOptions> = {}, options = {}) =>
    t.scheduler.enqueue('flow.dedup', payload, { unique: { key, for: '1h', ...unique }, ...options });

  it("'keep': a second enqueue with the key inside the window returns the first task unchanged", async () => {
    const first = await enqueue('keep-1', { n: 1 });
    const second = await enqueue('keep-1', { n: 2 });
    expect(first.deduplicated).toBeUndefined();
    expect(second).toEqual({ id: first.id, uuid: first.uuid, deduplicated: 'kept' });
    const rows = await tasks().findBy({ dedupKey: 'keep-1' });
    expect(rows).toHaveLength(1);
    expect(JSON.parse(rows[0].payload!)).toEqual({ n: 1 });
  });

  it('a key is unique per job: another job with the same key gets its own task', async () => {
    const a = await enqueue('shared-key', {});
    const b = await t.scheduler.enqueue('flow.other', {}, { unique: { key: 'shared-key', for: '1h' } });
    expect(b.id).not.toBe(a.id);
    expect(b.deduplicated).toBeUndefined();
  });

  it("'replace': a queued task takes the latest payload and start time (debounce); a running one is kept", async () => {
    const first = await enqueue('debounce-1', { v: 1 }, { onConflict: 'replace' }, { delay: '10s' });
    const startAt = Date.now() + 60_000;
    const second = await enqueue('debounce-1', { v: 2 }, { onConflict: 'replace' }, { startAt });
    expect(second).toEqual({ id: first.id, uuid: first.uuid, deduplicated: 'replaced' });
    const row = await tasks().findOneByOrFail({ id: first.id });
    expect(JSON.parse(row.payload!)).toEqual({ v: 2 });
    expect(row.nextRunTime).toBe(startAt);
    await tasks().update({ id: first.id }, { status: 'RUNNING' });
    const third = await enqueue('debounce-1', { v: 3 }, { onConflict: 'replace' });
    expect(third).toEqual({ id: first.id, uuid: first.uuid, deduplicated: 'kept' });
    expect(JSON.parse((await tasks().findOneByOrFail({ id: first.id })).payload!)).toEqual({ v: 2 });
  });

  it("'extend': the window restarts from the enqueue that met it", async () => {
    const first = await enqueue('extend-1', {}, { for: 2000, onConflict: 'extend' });
    const until = (await tasks().findOneByOrFail({ id: first.id })).dedupUntil!;
    await sleep(300);
    const second = await enqueue('extend-1', {}, { for: 2000, onConflict: 'extend' });
    expect(second).toMatchObject({ id: first.id, deduplicated: 'extended' });
    expect((await tasks().findOneByOrFail({ id: first.id })).dedupUntil!).toBeGreaterThanOrEqual(until + 250);
  });

  it('once the window has passed, the key creates a new task, and the old one gives the key up', async () => {
    const first = await enqueue('expiring-1', { n: 1 }, { for: 300 });
    await sleep(400);
    const second = await enqueue('expiring-1', { n: 2 }, { for: 300 });
    expect(second.id).not.toBe(first.id);
    expect(second.deduplicated).toBeUndefined();
    expect((await tasks().findOneByOrFail({ id: first.id })).dedupKey).toBeNull();
    expect((await tasks().findOneByOrFail({ id: second.id })).dedupKey).toBe('expiring-1');
  });

  it('enqueuers racing for a key whose window keeps passing all get their task, none an error', async () => {
    // Eight enqueues of one key at once, each on its own pooled connection, with a window so
    // short that nearly every round frees the key while the others insert: on MySQL/MariaDB this
    // is InnoDB's duplicate-key deadlock, which the losing statement must not pass on.
    const results: { id: number; deduplicated?: string }[] = [];
    for (let round = 0; round < 40; round++) {
      results.push(...(await Promise.all(Array.from({ length: 8 }, () => enqueue('churn-1', { round }, { for: 3 })))));
      await sleep(4);
    }
    expect(results).toHaveLength(320);
    const created = results.filter((r) => r.deduplicated === undefined);
    expect(created.length).toBeGreaterThanOrEqual(40);
    expect(await tasks().countBy({ dedupKey: 'churn-1' })).toBe(1);
  }, 60_000);

  it('a repeated uuid is judged as without unique: the same work returns the task, other work is a conflict', async () => {
    const first = await enqueue('uuid-1', { n: 1 }, {}, { uuid: 'dedup-uuid-1' });
    await expect(enqueue('uuid-1', { n: 1 }, {}, { uuid: 'dedup-uuid-1' })).resolves.toMatchObject({ id: first.id });
    await expect(enqueue('uuid-other', { n: 2 }, {}, { uuid: 'dedup-uuid-1' })).rejects.toThrow(
      IdempotencyConflictError,
    );
  });

  it("inside the caller's transaction: a rollback frees the key", async () => {
    await t.dataSource
      .transaction(async (manager) => {
        await enqueue('tx-1', {}, {}, { manager });
        throw new Error('rolled back on purpose');
      })
      .catch(() => undefined);
    expect(await tasks().countBy({ dedupKey: 'tx-1' })).toBe(0);
    expect((await enqueue('tx-1', {})).deduplicated).toBeUndefined();
  });

  it.each([
    ['a missing key', { for: '1m' }, 'unique.key'],
    ['a key too long', { key: 'k'.repeat(256), for: '1m' }, 'unique.key'],
    ['a window that is no duration', { key: 'k', for: 'soon' }, 'unique.for'],
    ['a zero window', { key: 'k', for: 0 }, 'unique.for'],
    ['an unknown conflict rule', { key: 'k', for: '1m', onConflict: 'merge' }, 'unique.onConflict'],
    ['an unknown field', { key: 'k', for: '1m', scope: 'job' }, 'unique.scope'],
  ])('refuses %s, naming the field, and writes nothing', async (_what, unique, field) => {
    const before = await tasks().count();
    const error = await t.scheduler.enqueue('flow.dedup', {}, { unique: unique as never }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidEnqueueOptionError);
    expect((error as InvalidEnqueueOptionError).field).toBe(field);
    expect((error as Error).message).toContain('"flow.dedup"');
    expect(await tasks().count()).toBe(before);
  });

  it('enqueueMany refuses unique (deduplicated tasks are enqueued one by one)', async () => {
    await expect(
      t.scheduler.enqueueMany('flow.dedup', [{}], { unique: { key: 'k', for: '1m' } } as never),
    ).rejects.toThrow(InvalidEnqueueOptionError);
  });

  describe('three enqueuing processes racing', () => {
    const byKey = (results: Result[]) => {
      const map = new Map<string, Result[]>();
      for (const r of results) map.set(r.key, [...(map.get(r.key) ?? []), r]);
      return map;
    };

    it.each(['keep', 'replace', 'extend'] as const)(
      "with '%s', one task per key: every process gets the same task",
      async (onConflict) => {
        const keys = Array.from({ length: 15 }, (_, n) => `race-${onConflict}-${n}`);
        const results = await race(db.options, { keys, rounds: 6, unique: { for: '1h', onConflict } });
        expect(results).toHaveLength(3 * 15 * 6);
        for (const [key, got] of byKey(results)) {
          expect(new Set(got.map((r) => r.id)).size).toBe(1);
          expect(got.filter((r) => r.deduplicated === null)).toHaveLength(1);
          expect(await tasks().countBy({ jobName: 'flow.dedup', dedupKey: key })).toBe(1);
        }
        const ids = [...byKey(results).values()].map((got) => got[0].id);
        expect(await tasks().countBy(ids.map((id) => ({ id })))).toBe(15);
      },
      120_000,
    );

    it('with short windows expiring while they race, no two tasks of a key ever share a window', async () => {
      const keys = ['short-0', 'short-1', 'short-2'];
      const results = await race(db.options, { keys, rounds: 40, unique: { for: 150 }, pauseMs: 20 });
      expect(results).toHaveLength(3 * 3 * 40);
      for (const key of keys) {
        const created = new Set(results.filter((r) => r.key === key && r.deduplicated === null).map((r) => r.id));
        const rows = (await tasks().find({ where: [...created].map((id) => ({ id })), order: { id: 'ASC' } })).sort(
          (a, b) => a.createdAt - b.createdAt,
        );
        expect(rows.length).toBeGreaterThan(2);
        for (let n = 1; n < rows.length; n++) {
          // The next task of the key was created only once the previous one's window had passed.
          expect(rows[n].createdAt).toBeGreaterThanOrEqual(rows[n - 1].dedupUntil ?? rows[n - 1].createdAt + 150);
        }
        // Every enqueue that did not create a task got the task whose window it fell in.
        for (const r of results.filter((r) => r.key === key && r.deduplicated !== null))
          expect(created.has(r.id)).toBe(true);
      }
    }, 120_000);
  });
});

describeForDialects('deduplication windows with a worker', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp(await freshDatabase(dialect), [DedupJobs]);
  });
  afterAll(() => t?.close());

  it('a task that ran keeps its key for the rest of its window', async () => {
    const first = await t.scheduler.enqueue('flow.dedup', {}, { unique: { key: 'ran-1', for: '1h' } });
    await waitForTask(t.scheduler, first.id, ['COMPLETED']);
    const again = await t.scheduler.enqueue('flow.dedup', {}, { unique: { key: 'ran-1', for: '1h' } });
    expect(again).toMatchObject({ id: first.id, deduplicated: 'kept' });
  });
});
