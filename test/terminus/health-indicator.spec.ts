/**
 * `KronosHealthIndicator` in a real Nest HTTP application: terminus's own `HealthCheckService`
 * behind a `@HealthCheck()` route, asked over HTTP, on every database.
 */
import { Controller, Get, Injectable, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Job, SchedulerModule, SchedulerService, type SchedulerModuleOptions } from '../../lib/index.js';
import { InvalidHealthCheckOptionError, KronosHealthIndicator } from '../../lib/terminus/index.js';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { ALL_DIALECTS, mysqlSettings, postgresSettings, type Dialect } from '../support/databases.js';
import { FAST_WORKER, freshDatabase, waitFor, type TestDatabase } from '../support/test-app.js';

@Injectable()
class HealthJobs {
  @Job('health.ok')
  ok() {}

  /** Served by no worker in these tests: its tasks wait. */
  @Job('health.elsewhere', { group: 'elsewhere' })
  elsewhere() {}
}

@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly kronos: KronosHealthIndicator,
  ) {}

  /** A readiness probe: the database, this process's worker, a backlog of at most a minute. */
  @Get()
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.kronos.database('database'),
      () => this.kronos.worker('worker'),
      () => this.kronos.backlog('backlog', { maxWait: '1m' }),
    ]);
  }

  /** The backlog alone, with a threshold short enough for a test to cross. */
  @Get('backlog')
  @HealthCheck()
  backlog() {
    return this.health.check([() => this.kronos.backlog('backlog', { maxWait: 300 })]);
  }
}

@Module({ imports: [TerminusModule], controllers: [HealthController], providers: [KronosHealthIndicator] })
class HealthModule {}

interface HealthApp {
  app: INestApplication;
  scheduler: SchedulerService;
  get(path: string): Promise<{ status: number; body: any }>;
}

async function healthApp(db: TestDatabase, options: SchedulerModuleOptions = {}): Promise<HealthApp> {
  @Module({
    imports: [
      TypeOrmModule.forRoot({ ...db.options, autoLoadEntities: true, synchronize: false }),
      SchedulerModule.forRoot({ worker: { ...FAST_WORKER }, ...options }),
      HealthModule,
    ],
    providers: [HealthJobs],
  })
  class AppModule {}
  const app = await NestFactory.create(AppModule, {
    logger: process.env.KRONOS_TEST_LOGS ? undefined : false,
    abortOnError: false,
  });
  await app.listen(0, '127.0.0.1');
  const url = await app.getUrl();
  return {
    app,
    scheduler: app.get(SchedulerService),
    async get(path) {
      const response = await fetch(`${url}${path}`);
      return { status: response.status, body: await response.json() };
    },
  };
}

describe.each(ALL_DIALECTS.map((d) => [d] as [Dialect]))('health checks over HTTP on %s', (dialect) => {
  let db: TestDatabase;
  let web: HealthApp;

  beforeAll(async () => {
    db = await freshDatabase(dialect);
    web = await healthApp(db);
  }, 60_000);
  afterAll(async () => {
    await web?.app.close();
  });

  it('reports the database, the worker and an empty backlog up (200)', async () => {
    const { status, body } = await web.get('/health');
    expect(status).toBe(200);
    expect(body.status).toBe('ok');
    expect(body.details).toEqual({
      database: { status: 'up', responseTimeMs: expect.any(Number) },
      worker: { status: 'up', worker: expect.any(String), state: 'claiming', lastHeartbeatMsAgo: expect.any(Number) },
      backlog: { status: 'up', oldestDueTask: null, waitMs: 0, maxWaitMs: 60_000 },
    });
    expect(body.details.worker.lastHeartbeatMsAgo).toBeLessThan(FAST_WORKER.deadAfter / 2);
  });

  it('reports the backlog down (503) once a due task has waited unclaimed longer than maxWait, naming the task', async () => {
    const { id } = await web.scheduler.enqueue('health.elsewhere');
    const early = await web.get('/health/backlog');
    expect([early.status, early.body.details.backlog.status, early.body.details.backlog.oldestDueTask]).toEqual([
      200,
      'up',
      id,
    ]);

    await new Promise((r) => setTimeout(r, 400));
    const { status, body } = await web.get('/health/backlog');
    expect(status).toBe(503);
    expect(body.status).toBe('error');
    expect(body.error.backlog).toEqual({
      status: 'down',
      oldestDueTask: id,
      waitMs: expect.any(Number),
      maxWaitMs: 300,
      message: expect.stringMatching(
        new RegExp(`^task ${id} has waited \\d+ ms since it was due, over maxWait \\(300 ms\\)$`),
      ),
    });
    expect(body.error.backlog.waitMs).toBeGreaterThan(300);
    // The readiness probe with its minute of patience is still up.
    expect((await web.get('/health')).status).toBe(200);
  });

  it('reports the worker down (503) once it has left on a TERMINATE command', async () => {
    await web.scheduler.terminateWorkers();
    const { status, body } = await waitFor(
      async () => {
        const answer = await web.get('/health');
        return answer.status === 503 ? answer : null;
      },
      10_000,
      'the worker check to go down',
    );
    expect(status).toBe(503);
    expect(body.error).toEqual({
      worker: {
        status: 'down',
        worker: expect.any(String),
        state: 'stopped',
        lastHeartbeatMsAgo: expect.any(Number),
        message: expect.stringMatching(/^worker .+ has stopped$/),
      },
    });
    expect(body.info.database.status).toBe('up');
  });
});

describe('health checks of a process without a worker', () => {
  let web: HealthApp;
  beforeAll(async () => {
    web = await healthApp(await freshDatabase('sqlite'), { worker: false });
  }, 60_000);
  afterAll(async () => {
    await web?.app.close();
  });

  it('report the worker down with the reason, the database up', async () => {
    const { status, body } = await web.get('/health');
    expect(status).toBe(503);
    expect(body.error).toEqual({
      worker: { status: 'down', message: 'this process runs no worker (SchedulerModule worker: false)' },
    });
    expect(body.info.database.status).toBe('up');
  });

  it('refuse a backlog check without a maxWait, or with one that is no duration, naming the check, field and value', async () => {
    const kronos = web.app.get(KronosHealthIndicator);
    await expect(kronos.backlog('queue', { maxWait: 'soon' })).rejects.toThrow(
      new InvalidHealthCheckOptionError(
        'queue',
        'maxWait',
        'soon',
        "is not a duration (use milliseconds or e.g. '500ms', '30s', '5m')",
      ),
    );
    await expect(kronos.backlog('queue', { maxWait: 'soon' })).rejects.toThrow(
      'Invalid option of the Kronos health check "queue": maxWait "soon" is not a duration',
    );
    await expect(kronos.backlog('queue', undefined as never)).rejects.toThrow(InvalidHealthCheckOptionError);
    await expect(kronos.database('db', { timeout: -5 })).rejects.toThrow(
      'Invalid option of the Kronos health check "db": timeout -5 is not a duration',
    );
  });
});

/**
 * Another session holds the worker's row (PostgreSQL, MariaDB: a row lock; SQLite: the write
 * lock), so its heartbeats hang or fail while the database still answers queries: a worker cut off
 * from its lease, as in a partition or a stalled connection. It fences itself after half of
 * `deadAfter` (FAST_WORKER: 500 ms) and recovers once the row is free.
 */
async function holdWorkerRow(db: TestDatabase, worker: string): Promise<() => Promise<void>> {
  switch (db.dialect) {
    case 'postgres': {
      const s = postgresSettings();
      const client = new pg.Client({
        host: s.host,
        port: s.port,
        user: s.user,
        password: s.password,
        database: s.database,
      });
      await client.connect();
      await client.query('BEGIN');
      await client.query('SELECT 1 FROM kronos_worker WHERE name = $1 FOR UPDATE', [worker]);
      return async () => {
        await client.query('ROLLBACK');
        await client.end();
      };
    }
    case 'mysql': {
      const s = mysqlSettings();
      const connection = await mysql.createConnection({
        host: s.host,
        port: s.port,
        user: s.user,
        password: s.password,
        database: s.database,
      });
      await connection.query('START TRANSACTION');
      await connection.query('SELECT 1 FROM kronos_worker WHERE name = ? FOR UPDATE', [worker]);
      return async () => {
        await connection.query('ROLLBACK');
        await connection.end();
      };
    }
    case 'sqlite': {
      const connection = new Database((db.options as { database: string }).database);
      connection.exec('BEGIN IMMEDIATE');
      return async () => {
        connection.exec('ROLLBACK');
        connection.close();
      };
    }
  }
}

describe.each(ALL_DIALECTS.map((d) => [d] as [Dialect]))('health checks of a fenced worker on %s', (dialect) => {
  let web: HealthApp;
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshDatabase(dialect);
    web = await healthApp(db);
  }, 60_000);
  afterAll(async () => {
    await web?.app.close();
  });

  it('report the worker down (503) as fenced while its heartbeats do not come back, the database up, and up again once they do', async () => {
    const before = await web.get('/health');
    expect(before.status).toBe(200);
    const release = await holdWorkerRow(db, before.body.info.worker.worker);
    let released = false;
    try {
      const { body } = await waitFor(
        async () => {
          const answer = await web.get('/health');
          return answer.status === 503 ? answer : null;
        },
        10_000,
        'the worker check to go down',
      );
      expect(body.error).toEqual({
        worker: {
          status: 'down',
          worker: before.body.info.worker.worker,
          state: 'fenced',
          lastHeartbeatMsAgo: expect.any(Number),
          message: expect.stringMatching(
            /^worker .+ is fenced: no heartbeat back for \d+ ms \(over half of deadAfter, 1000 ms\), so it claims nothing until the database answers$/,
          ),
        },
      });
      expect(body.error.worker.lastHeartbeatMsAgo).toBeGreaterThanOrEqual(500);
      expect(body.info.database.status).toBe('up');
      await release();
      released = true;
      const again = await waitFor(
        async () => {
          const answer = await web.get('/health');
          return answer.status === 200 ? answer : null;
        },
        10_000,
        'the worker check to come back up',
      );
      expect(again.body.info.worker).toMatchObject({ status: 'up', state: 'claiming' });
    } finally {
      if (!released) await release();
    }
  });
});
