import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { InvalidSchedulerOptionError, Job, Run, Task, UnknownSchedulerOptionError } from '../../lib/index.js';
import { KRONOS_ENTITIES } from '../../lib/entities/index.js';
import { resolveSchedulerOptions } from '../../lib/scheduler.options.js';
import { PostgresEngine } from '../../lib/storage/postgres/index.js';
import { claimRequest, newTask, outcome, sleep } from '../storage/contract/fixtures.js';
import { enqueueMany } from '../support/bulk.js';
import { createTestDataSource, postgresSettings } from '../support/databases.js';
import { describeWithPgBouncer, PgBouncer } from '../support/pgbouncer.js';
import { executions, fleetClosedAfterEach, startWorkerProcess } from '../support/processes.js';
import { bootApp, CollectingLogger, freshDatabase, waitFor } from '../support/test-app.js';

@Injectable()
class ClusterJobs {
  @Job('cluster.work', { retries: 5 })
  async work() {}
}

/** The test server itself, past PgBouncer: where `listenConnection` points. */
const direct = () => {
  const s = postgresSettings();
  return { host: s.host, port: s.port, user: s.user, password: s.password, database: s.database };
};

/** A DataSource on the test database through `bouncer` (the schema is built directly, beforehand). */
async function throughBouncer(bouncer: PgBouncer): Promise<DataSource> {
  const dataSource = new DataSource({ ...bouncer.typeorm(), entities: KRONOS_ENTITIES });
  return dataSource.initialize();
}

/** Rounds of 20 concurrent enqueues and claims on `engine`: the errors they met. */
async function busyRounds(engine: PostgresEngine, rounds: number): Promise<{ code?: string; message: string }[]> {
  const errors: { code?: string; message: string }[] = [];
  for (let round = 0; round < rounds; round++) {
    const settled = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        i % 2 === 0 ? engine.enqueue([newTask()]) : engine.claim(claimRequest({ limit: 2 })),
      ),
    );
    for (const result of settled) if (result.status === 'rejected') errors.push(result.reason);
  }
  return errors;
}

describe('the postgres module option', () => {
  it('takes pooling and listenConnection, as a connection string or pg client settings', () => {
    expect(resolveSchedulerOptions({}).postgres).toEqual({
      pooling: 'session',
      listenConnection: null,
      partitionHistory: null,
      given: false,
    });
    expect(
      resolveSchedulerOptions({
        postgres: { pooling: 'transaction', listenConnection: 'postgres://kronos@db:5432/app' },
      }).postgres,
    ).toEqual({
      pooling: 'transaction',
      listenConnection: { connectionString: 'postgres://kronos@db:5432/app' },
      partitionHistory: null,
      given: true,
    });
    expect(
      resolveSchedulerOptions({ postgres: { listenConnection: { host: 'db', port: 5432 } } }).postgres.listenConnection,
    ).toEqual({ host: 'db', port: 5432 });
  });

  it('refuses an unknown pooling mode, an empty listenConnection and an unknown key, naming them', () => {
    expect(() => resolveSchedulerOptions({ postgres: { pooling: 'statement' as never } })).toThrow(
      new InvalidSchedulerOptionError(
        'postgres.pooling',
        'statement',
        "must be 'session' (the default) or 'transaction'",
      ),
    );
    expect(() => resolveSchedulerOptions({ postgres: { listenConnection: ' ' } })).toThrow(InvalidSchedulerOptionError);
    expect(() => resolveSchedulerOptions({ postgres: { listenConnection: ' ' } })).toThrow(
      /postgres\.listenConnection " "/,
    );
    expect(() => resolveSchedulerOptions({ postgres: 'transaction' as never })).toThrow(
      /Invalid SchedulerModule option postgres "transaction"/,
    );
    expect(() => resolveSchedulerOptions({ postgres: { pooling: 'transaction', listen: 'x' } as never })).toThrow(
      UnknownSchedulerOptionError,
    );
    expect(() => resolveSchedulerOptions({ postgres: { poolng: 'transaction' } as never })).toThrow(
      /did you mean postgres\.pooling\?/,
    );
    expect(() => resolveSchedulerOptions({ pooling: 'transaction' } as never)).toThrow(
      /pooling is a postgres option: SchedulerModule\.forRoot\(\{ postgres: \{ pooling \} \}\)/,
    );
  });

  it('is ignored with a warning on a database other than PostgreSQL', async () => {
    const logger = new CollectingLogger();
    const app = await bootApp(
      await freshDatabase('sqlite'),
      [ClusterJobs],
      { worker: false, postgres: { pooling: 'transaction' } },
      { logger },
    );
    try {
      expect(logger.messages('warn')).toContain(
        'The postgres option is ignored: the DataSource is better-sqlite3, not PostgreSQL',
      );
      expect((await app.scheduler.enqueue('cluster.work')).id).toBeGreaterThan(0);
    } finally {
      await app.close();
    }
  });
});

describe("PostgresEngine with pooling: 'transaction'", () => {
  let dataSource: DataSource;
  beforeAll(async () => {
    dataSource = await createTestDataSource('postgres', { schema: 'migrations' });
  });
  afterAll(async () => {
    await dataSource?.destroy();
  });

  it('sends every statement of the hot path unnamed (the default mode names them: test/storage/postgres.engine.spec.ts)', async () => {
    const engine = new PostgresEngine(dataSource, { pooling: 'transaction' });
    const pool = (dataSource.driver as unknown as { master: { query: (...args: unknown[]) => unknown } }).master;
    const original = pool.query;
    const sent: unknown[] = [];
    pool.query = function (this: unknown, ...args: unknown[]) {
      sent.push(args[0]);
      return original.apply(this, args);
    };
    try {
      await engine.start();
      const [created] = await engine.enqueue([newTask()]);
      const [claimed] = await engine.claim(claimRequest());
      expect(claimed.id).toBe(created.id);
      await engine.heartbeat(
        { name: 'worker-a', hostname: 'h', pid: 1, groups: ['main'], running: 1, completed: 0, failed: 0 },
        null,
      );
      await engine.complete([outcome(claimed, 'worker-a')]);
      await engine.claim(claimRequest({ groups: ['main', 'other'] }));
      await engine.claim(claimRequest({ maxRunning: 3 }));
      await engine.saveProgress([]);
      await engine.rescueOrphans(60_000, null);
      await engine.expire(null);
      await engine.notify();
    } finally {
      pool.query = original;
      await engine.close();
    }
    const named = sent.filter(
      (query) => typeof query === 'object' && query !== null && (query as { name?: string }).name !== undefined,
    );
    expect(sent.length).toBeGreaterThanOrEqual(9);
    expect(named).toEqual([]);
  });
});

describeWithPgBouncer('PostgreSQL through PgBouncer in transaction pooling mode', () => {
  let bouncer: PgBouncer;
  beforeAll(async () => {
    bouncer = await new PgBouncer({ poolSize: 4 }).start();
  });
  afterAll(async () => {
    await bouncer?.stop();
  });

  describe('the engine', () => {
    let dataSource: DataSource;
    let schema: DataSource;
    beforeEach(async () => {
      schema = await createTestDataSource('postgres', { schema: 'migrations' });
      dataSource = await throughBouncer(bouncer);
    });
    afterEach(async () => {
      await dataSource?.destroy();
      await schema?.destroy();
    });
    const listenerBackends = async (): Promise<number> =>
      (
        await schema.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'kronos listener' AND datname = current_database()`,
        )
      )[0].n;

    it('in the default mode fails: a named prepared statement meets a server connection that has it already, or lacks it', async () => {
      // A PgBouncer of its own: the default mode also LISTENs through the pooler, and the server
      // connection that ran the LISTEN goes on listening in the pool after the engine is closed.
      const own = await new PgBouncer({ poolSize: 4 }).start();
      const viaOwn = await throughBouncer(own);
      const engine = new PostgresEngine(viaOwn);
      try {
        await engine.start();
        const errors = await busyRounds(engine, 10);
        expect(errors.length).toBeGreaterThan(0);
        // 42P05: prepared statement "kronos_..." already exists; 26000: ... does not exist.
        for (const error of errors)
          expect([error.code, error.message]).toEqual([
            expect.stringMatching(/^(42P05|26000)$/),
            expect.stringMatching(/prepared statement "kronos_/),
          ]);
      } finally {
        await engine.close();
        await viaOwn.destroy();
        await own.stop();
      }
      await waitFor(
        async () => (await listenerBackends()) === 0,
        5_000,
        'the server connections of the stopped PgBouncer to end',
      );
    });

    it("with pooling: 'transaction' runs every statement unnamed, so the same load meets no error, limited claims included", async () => {
      const engine = new PostgresEngine(dataSource, { pooling: 'transaction' });
      try {
        await engine.start();
        expect(await busyRounds(engine, 10)).toEqual([]);
        const limited = await Promise.all(
          Array.from({ length: 8 }, () => engine.claim(claimRequest({ limit: 5, maxRunning: 12 }))),
        );
        expect(limited.flat().length).toBeLessThanOrEqual(12);
        expect(await listenerBackends()).toBe(0); // no listenConnection: idle workers poll
      } finally {
        await engine.close();
      }
    });

    it('without listenConnection waits out the poll interval: nothing LISTENs through the pooler', async () => {
      const engine = new PostgresEngine(dataSource, { pooling: 'transaction' });
      try {
        await engine.start();
        const signal = new AbortController().signal;
        const started = Date.now();
        const waiting = engine.waitForWork(300, signal);
        await engine.enqueue([newTask()]);
        await waiting;
        expect(Date.now() - started).toBeGreaterThanOrEqual(290);
        expect(await listenerBackends()).toBe(0);
      } finally {
        await engine.close();
      }
    });

    it('with listenConnection LISTENs on that direct connection: an enqueue through PgBouncer wakes an idle worker at once', async () => {
      const engine = new PostgresEngine(dataSource, { pooling: 'transaction', listenConnection: direct() });
      try {
        await engine.start();
        expect(await listenerBackends()).toBe(1);
        const signal = new AbortController().signal;
        await engine.waitForWork(30, signal);
        const waiting = engine.waitForWork(5_000, signal);
        await sleep(50);
        const enqueuedAt = Date.now();
        await engine.enqueue([newTask()]);
        await waiting;
        expect(Date.now() - enqueuedAt).toBeLessThan(200);
      } finally {
        await engine.close();
      }
      expect(await listenerBackends()).toBe(0);
    });
  });

  describe('a fleet', () => {
    const fleet = fleetClosedAfterEach();

    it('12 worker processes over 4 server connections drain 20,000 tasks: each has exactly one COMPLETED run, none missing', async () => {
      const db = await freshDatabase('postgres');
      const viaBouncer = { ...db.options, ...bouncer.typeorm() } as DataSourceOptions;
      fleet.web = await bootApp({ dialect: 'postgres', options: viaBouncer }, [ClusterJobs], {
        worker: false,
        postgres: { pooling: 'transaction' },
      });
      // Half the processes LISTEN on a direct connection, half poll. Production-like liveness
      // timings: 13 Node.js processes, PostgreSQL and PgBouncer share the test machine's cores.
      const env = (i: number) => ({
        KRONOS_FIXTURE_POSTGRES: JSON.stringify(
          i % 2 === 0 ? { pooling: 'transaction', listenConnection: direct() } : { pooling: 'transaction' },
        ),
        KRONOS_FIXTURE_HEARTBEAT_MS: '1000',
        KRONOS_FIXTURE_DEAD_AFTER_MS: '10000',
      });
      const bootedAt = Date.now();
      fleet.workers = await Promise.all(Array.from({ length: 12 }, (_, i) => startWorkerProcess(viaBouncer, env(i))));
      const peak = { servers: 0, waiting: 0 };
      const sampling = setInterval(() => {
        bouncer.pool().then(
          (p) => (
            (peak.servers = Math.max(peak.servers, p.servers)),
            (peak.waiting = Math.max(peak.waiting, p.waiting))
          ),
          () => undefined,
        );
      }, 100);
      try {
        const started = Date.now();
        await enqueueMany(fleet.web.app, 'cluster.work', 20_000);
        await waitFor(
          async () => (await fleet.web!.dataSource.getRepository(Task).countBy({ status: 'COMPLETED' })) === 20_000,
          300_000,
          '20,000 COMPLETED',
        );
        const shares = fleet.workers.map((w) => executions(w).length);
        console.log(
          `PgBouncer fleet: 12 processes booted in ${started - bootedAt} ms; 20,000 tasks enqueued and drained in ${Date.now() - started} ms; ` +
            `at most ${peak.servers} server connections, ${peak.waiting} clients waiting; tasks per process ${shares.join(' ')}`,
        );
      } finally {
        clearInterval(sampling);
      }
      const rows: { status: string; runs: string; tasks: string }[] = await fleet.web.dataSource.query(
        `SELECT status, runs, count(*) AS tasks FROM (SELECT task_id, status, count(*) AS runs FROM kronos_run GROUP BY task_id, status) r GROUP BY status, runs`,
      );
      expect(rows.map((r) => ({ status: r.status, runs: Number(r.runs), tasks: Number(r.tasks) }))).toEqual([
        { status: 'COMPLETED', runs: 1, tasks: 20_000 },
      ]);
      expect(await fleet.web.dataSource.getRepository(Run).count()).toBe(20_000);
      const executed = fleet.workers.flatMap(executions);
      expect(executed).toHaveLength(20_000);
      expect(new Set(executed).size).toBe(20_000);
      // The polling processes took part as well as the listening ones. The drain lasts about two
      // seconds, so on a loaded machine a process whose first claim waits for one of the 4 server
      // connections may find nothing left: most processes, not necessarily all, run tasks.
      const took = (kind: 0 | 1) => fleet.workers.filter((w, i) => i % 2 === kind && executions(w).length > 0).length;
      expect(took(0)).toBeGreaterThanOrEqual(4);
      expect(took(1)).toBeGreaterThanOrEqual(4);
      expect(peak.servers).toBeGreaterThan(0);
      expect(peak.servers).toBeLessThanOrEqual(4);
    }, 400_000);
  });
});
