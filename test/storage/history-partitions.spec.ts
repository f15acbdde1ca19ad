import 'reflect-metadata';
import { fork, type ChildProcess } from 'node:child_process';
import { Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { Run } from '../../lib/entities/index.js';
import { InvalidSchedulerOptionError, Job, SchedulerModule } from '../../lib/index.js';
import { HistoryPartitionKeeper } from '../../lib/maintenance/history-partitions.js';
import { prune } from '../../lib/maintenance/prune.js';
import { KRONOS_MIGRATIONS } from '../../lib/migrations/index.js';
import { KronosPartitionedRunsPostgres1771000000000 } from '../../lib/migrations/postgres/index.js';
import { historyMaintenance, type HistoryMaintenance } from '../../lib/storage/history-maintenance.js';
import { resolvePostgresOptions } from '../../lib/storage/postgres-options.js';
import {
  partitionName,
  periodStart,
  readRunLayout,
  type RunTableLayout,
} from '../../lib/storage/postgres/history-partitions.sql.js';
import { PostgresEngine } from '../../lib/storage/postgres/index.js';
import { createTestDataSource, postgresSettings } from '../support/databases.js';
import { buildFixtures } from '../support/processes.js';
import { bootApp, freshDatabase, waitFor } from '../support/test-app.js';
import { T0 } from './contract/fixtures.js';
import { describeEngineContract } from './engine-contract.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;

/** Convert the run table as an application does: the opt-in migration, after the others. */
async function partitionRuns(dataSource: DataSource): Promise<void> {
  const runner = dataSource.createQueryRunner();
  try {
    await runner.startTransaction();
    await new KronosPartitionedRunsPostgres1771000000000().up(runner);
    await runner.commitTransaction();
  } finally {
    await runner.release();
  }
}

async function plainRuns(dataSource: DataSource): Promise<void> {
  const runner = dataSource.createQueryRunner();
  try {
    await runner.startTransaction();
    await new KronosPartitionedRunsPostgres1771000000000().down(runner);
    await runner.commitTransaction();
  } finally {
    await runner.release();
  }
}

const layout = (dataSource: DataSource): Promise<RunTableLayout> =>
  readRunLayout((text, values) => dataSource.query(text, values), '"kronos_run"');

/** Insert one finished run per start time, as the completion statement does (id from the sequence). */
async function insertRuns(dataSource: DataSource, starts: number[], status = 'COMPLETED'): Promise<void> {
  await dataSource.query(
    `INSERT INTO kronos_run (task_id, job_name, status, worker, attempt, start_time, stop_time, duration_ms, message)
     SELECT 1, 'history.job', $2, 'w1', 1, s, s + 5, 5, 'run at ' || s FROM unnest($1::bigint[]) AS s`,
    [starts, status],
  );
}

const runs = async (dataSource: DataSource): Promise<{ id: number; start: number; part: string }[]> =>
  (
    await dataSource.query<{ id: number; start_time: string; part: string }[]>(
      `SELECT id, start_time, tableoid::regclass::text AS part FROM kronos_run ORDER BY id`,
    )
  ).map((r) => ({ id: r.id, start: Number(r.start_time), part: r.part }));

describe('partitioned run history [postgres]', () => {
  let dataSource: DataSource;
  let history: HistoryMaintenance;
  const now = periodStart('day', Date.now()) + 13 * HOUR;

  beforeEach(async () => {
    dataSource = await createTestDataSource('postgres', { schema: 'migrations' });
    history = (await historyMaintenance(dataSource, { by: 'day', ahead: 3 }))!;
  });
  afterEach(async () => {
    await dataSource.destroy();
  });

  it('is an opt-in migration: the plain layout stays the default', async () => {
    expect(KRONOS_MIGRATIONS.postgres).not.toContain(KronosPartitionedRunsPostgres1771000000000);
    expect(KRONOS_MIGRATIONS.postgresPartitionedRuns).toEqual([KronosPartitionedRunsPostgres1771000000000]);
    expect((await layout(dataSource)).partitioned).toBe(false);
    expect(await history.partitioned()).toBe(false);
    expect(await history.ensurePartitions(now)).toBeNull();
    expect(await history.dropPartitions(now)).toBeNull();
  });

  it('the migration keeps every run, its id and the id sequence, and down() makes the table plain again', async () => {
    const starts = Array.from({ length: 300 }, (_, i) => now - i * HOUR); // 12.5 days
    await insertRuns(dataSource, starts);
    const before = await runs(dataSource);

    await partitionRuns(dataSource);

    const parted = await layout(dataSource);
    expect(parted.partitioned).toBe(true);
    expect(parted.defaultPartition).toBe('kronos_run_default');
    // One partition per day, from the oldest run's day to four days after today.
    const first = periodStart('day', Math.min(...starts));
    expect(parted.ranges.map((r) => r.from)).toEqual(
      Array.from({ length: (periodStart('day', now) - first) / DAY + 5 }, (_, i) => first + i * DAY),
    );
    expect(parted.ranges[0].name).toBe(partitionName('kronos_run', first));
    const after = await runs(dataSource);
    expect(after.map(({ id, start }) => ({ id, start }))).toEqual(before.map(({ id, start }) => ({ id, start })));
    for (const run of after) expect(run.part).toBe(partitionName('kronos_run', periodStart('day', run.start)));
    const [pk] = await dataSource.query<{ def: string }[]>(
      `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 'kronos_run'::regclass AND contype = 'p'`,
    );
    expect(pk.def).toBe('PRIMARY KEY (id, start_time)');
    const indexes = await dataSource.query<{ indexname: string }[]>(
      `SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'kronos_run' ORDER BY indexname`,
    );
    expect(indexes.map((i) => i.indexname)).toEqual([
      'kronos_run_job',
      'kronos_run_pkey',
      'kronos_run_status',
      'kronos_run_task',
    ]);
    // Every partition has the primary key's index, so a look-up by id is one index probe per partition.
    const perPartition = await dataSource.query<{ partitions: string; keyed: string }[]>(
      `SELECT COUNT(*) AS partitions, COUNT(i.indexrelid) AS keyed
         FROM pg_inherits h LEFT JOIN pg_index i ON i.indrelid = h.inhrelid AND i.indisprimary
        WHERE h.inhparent = 'kronos_run'::regclass`,
    );
    expect(Number(perPartition[0].keyed)).toBe(Number(perPartition[0].partitions));

    // New runs continue the sequence; look-ups by id alone (the dashboard's run page, run lists) still work.
    await insertRuns(dataSource, [now]);
    const newest = (await runs(dataSource)).at(-1)!;
    expect(newest.id).toBe(Math.max(...before.map((r) => r.id)) + 1);
    const repository = dataSource.getRepository(Run);
    expect(await repository.findOneBy({ id: before[10].id })).toMatchObject({
      id: before[10].id,
      startTime: before[10].start,
      message: `run at ${before[10].start}`,
    });
    const page = await repository.find({ where: { jobName: 'history.job' }, order: { id: 'DESC' }, take: 3 });
    expect(page.map((r) => r.id)).toEqual([newest.id, before.at(-1)!.id, before.at(-2)!.id]);

    await plainRuns(dataSource);
    expect((await layout(dataSource)).partitioned).toBe(false);
    const back = await runs(dataSource);
    expect(back.map((r) => r.id)).toEqual([...before.map((r) => r.id), newest.id]);
    const [plainPk] = await dataSource.query<{ def: string }[]>(
      `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 'kronos_run'::regclass AND contype = 'p'`,
    );
    expect(plainPk.def).toBe('PRIMARY KEY (id)');
    await insertRuns(dataSource, [now]);
    expect((await runs(dataSource)).at(-1)!.id).toBe(newest.id + 1);
  });

  it('housekeeping creates the current period and `ahead` more, only once, and never overlaps existing partitions', async () => {
    await partitionRuns(dataSource);
    const later = now + 30 * DAY;
    const created = await history.ensurePartitions(later);
    expect(created).toEqual([0, 1, 2, 3].map((i) => partitionName('kronos_run', periodStart('day', later) + i * DAY)));
    expect(await history.ensurePartitions(later)).toEqual([]);

    // Switching to weeks: only what no day partition covers is created, up to week boundaries.
    const weekly = (await historyMaintenance(dataSource, { by: 'week', ahead: 2 }))!;
    await weekly.ensurePartitions(later);
    const { ranges } = await layout(dataSource);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i].from).toBeGreaterThanOrEqual(ranges[i - 1].to);
    const end = periodStart('week', later) + 3 * 7 * DAY;
    expect(ranges.at(-1)!.to).toBe(end);
    const covered = ranges.filter((r) => r.from >= periodStart('day', later));
    for (let i = 1; i < covered.length; i++) expect(covered[i].from).toBe(covered[i - 1].to);
  });

  it('a run no partition holds yet lands in the default partition, and moves into its partition when it is created', async () => {
    await partitionRuns(dataSource);
    const future = now + 20 * DAY;
    await insertRuns(dataSource, [future, future + HOUR]);
    expect((await runs(dataSource)).map((r) => r.part)).toEqual(['kronos_run_default', 'kronos_run_default']);

    const keeper = new HistoryPartitionKeeper(history, { now: () => future });
    await keeper.start();
    await keeper.stop();

    const moved = await runs(dataSource);
    const day = partitionName('kronos_run', periodStart('day', future));
    expect(moved.map((r) => r.part)).toEqual([day, day]);
    expect(moved.map((r) => r.start)).toEqual([future, future + HOUR]);
  });

  it('retention drops the partitions wholly past its horizon, and keeps every run of the partitions it keeps', async () => {
    const starts = Array.from({ length: 240 }, (_, i) => now - i * HOUR); // 10 days, one run an hour
    await insertRuns(dataSource, starts);
    await partitionRuns(dataSource);
    await insertRuns(dataSource, [now - 400 * DAY]); // older than any partition: the default one
    const engine = new PostgresEngine(dataSource);
    const horizon = now - 5 * DAY - 6 * HOUR;
    const keptFrom = periodStart('day', horizon);

    const done = await prune(engine, { before: horizon, history, wholePartitionsOnly: true });

    const { ranges } = await layout(dataSource);
    expect(ranges[0].from).toBe(keptFrom);
    const left = await runs(dataSource);
    // Every run of the kept partitions is kept, even those a little older than the horizon.
    expect(left.map((r) => r.start).sort((a, b) => b - a)).toEqual(starts.filter((s) => s >= keptFrom));
    expect(left.filter((r) => r.start < horizon).length).toBeGreaterThan(0);
    expect(done.runs).toBeGreaterThanOrEqual(1); // the old default row, plus estimates of the dropped partitions

    // `kronos prune` is exact: it deletes the rest of the partition the horizon cuts through.
    await prune(engine, { before: horizon, history });
    const exact = await runs(dataSource);
    expect(exact.map((r) => r.start).sort((a, b) => b - a)).toEqual(starts.filter((s) => s >= horizon));
    await engine.close();
  });

  it('a partition that still holds a RUNNING run is not dropped', async () => {
    await insertRuns(dataSource, [now - 10 * DAY]);
    await partitionRuns(dataSource);
    await insertRuns(dataSource, [now - 9 * DAY], 'RUNNING');
    const dropped = await history.dropPartitions(now - 7 * DAY);
    // The days before and after it go; its own stays.
    expect(dropped!.partitions).toEqual(
      [10, 8].map((days) => partitionName('kronos_run', periodStart('day', now - days * DAY))),
    );
    expect((await runs(dataSource)).map((r) => r.start)).toEqual([now - 9 * DAY]);
  });

  it('three processes creating and dropping partitions at once all succeed, each partition created and dropped once', async () => {
    await partitionRuns(dataSource);
    buildFixtures();
    const settings = postgresSettings();
    for (let repeat = 0; repeat < 3; repeat++) {
      const start = now + (repeat * 40 + 10) * DAY;
      // Each process connects and says `ready`; all three start on one `go`.
      let ready = 0;
      const children: ChildProcess[] = [];
      const results = await Promise.all(
        [0, 1, 2].map(
          () =>
            new Promise<{ created: string[]; dropped: string[] }>((resolve, reject) => {
              const child = fork('.build/test/fixtures/history-partitions-process.js', [], {
                env: {
                  ...process.env,
                  KRONOS_FIXTURE_PG: JSON.stringify(settings),
                  KRONOS_FIXTURE_NOW: String(start),
                  KRONOS_FIXTURE_ROUNDS: '8',
                },
                stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
              });
              children.push(child);
              let result: { created: string[]; dropped: string[] } | undefined;
              child.on('message', (message) => {
                if (message !== 'ready') result = message as typeof result;
                else if (++ready === 3) for (const c of children) c.send('go');
              });
              child.on('exit', (code) =>
                code === 0 && result ? resolve(result) : reject(new Error(`process exited with ${code}`)),
              );
            }),
        ),
      );
      const created = results.flatMap((r) => r.created);
      expect(new Set(created).size).toBe(created.length);
      const dropped = results.flatMap((r) => r.dropped);
      expect(new Set(dropped).size).toBe(dropped.length);
      const { ranges } = await layout(dataSource);
      for (let i = 1; i < ranges.length; i++) expect(ranges[i].from).toBeGreaterThanOrEqual(ranges[i - 1].to);
      const last = periodStart('day', start + 7 * DAY);
      expect(ranges.map((r) => r.from)).toEqual([-3, -2, -1, 0, 1, 2].map((i) => last + i * DAY));
    }
  }, 120_000);
});

@Injectable()
class Jobs {
  @Job('history.job')
  async work() {}
}

describe('the postgres.partitionHistory option', () => {
  it('takes a period and how many ahead (default 4); anything else is an error naming the field', () => {
    expect(resolvePostgresOptions({ partitionHistory: { by: 'week' } }).partitionHistory).toEqual({
      by: 'week',
      ahead: 4,
    });
    expect(resolvePostgresOptions({ partitionHistory: { by: 'day', ahead: 7 } }).partitionHistory).toEqual({
      by: 'day',
      ahead: 7,
    });
    expect(resolvePostgresOptions({}).partitionHistory).toBeNull();
    for (const [value, field] of [
      [{ by: 'month' }, 'postgres.partitionHistory.by'],
      [{ by: 'day', ahead: 0 }, 'postgres.partitionHistory.ahead'],
      [{ by: 'day', ahead: 1.5 }, 'postgres.partitionHistory.ahead'],
      [{ by: 'day', every: 2 }, 'postgres.partitionHistory.every'],
      ['day', 'postgres.partitionHistory'],
    ] as const) {
      expect(() => resolvePostgresOptions({ partitionHistory: value })).toThrow(InvalidSchedulerOptionError);
      expect(() => resolvePostgresOptions({ partitionHistory: value })).toThrow(field);
    }
    expect(() => SchedulerModule.forRoot({ postgres: { partitionHistory: { by: 'day' } } })).not.toThrow();
  });

  it('in an application: the worker creates the partitions ahead at start, and retention drops whole partitions', async () => {
    const db = await freshDatabase('postgres');
    const setup = await createTestDataSource('postgres', { schema: 'migrations' });
    const starts = Array.from({ length: 8 * 24 }, (_, i) => Date.now() - i * HOUR); // 8 days, one run an hour
    await insertRuns(setup, starts);
    await partitionRuns(setup);
    await setup.destroy();

    const t = await bootApp(db, [Jobs], {
      postgres: { partitionHistory: { by: 'day', ahead: 6 } },
      retention: { olderThan: '3d', interval: 100 },
    });
    try {
      const today = periodStart('day', Date.now());
      const horizonDay = periodStart('day', Date.now() - 3 * DAY);
      await waitFor(
        async () => {
          const { ranges } = await layout(t.dataSource);
          return ranges[0]?.from === horizonDay && ranges.at(-1)?.to === today + 7 * DAY;
        },
        20_000,
        'partitions from the horizon day to six days ahead',
      );
      const left = await runs(t.dataSource);
      expect(left.map((r) => r.start).sort((a, b) => b - a)).toEqual(starts.filter((s) => s >= horizonDay));
    } finally {
      await t.close();
    }
  });
});

describeEngineContract('postgres', (dataSource) => new PostgresEngine(dataSource), {
  title: 'runs partitioned by day',
  prepare: async (dataSource) => {
    await partitionRuns(dataSource);
    // The contract's runs start around T0: give them partitions, as housekeeping would have.
    await (await historyMaintenance(dataSource, { by: 'day', ahead: 3 }))!.ensurePartitions(T0 - DAY);
  },
});
