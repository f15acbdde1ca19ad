import pg from 'pg';
import { PgBoss } from 'pg-boss';
import { WORKER_APPLICATION } from '../support/pg-cpu.js';
import { connectionString, postgres } from '../support/settings.js';
import { inChunks, type Backend, type Configuration, type Producer, type ProducerOptions } from './system.js';
import type { BulkEnqueuer } from '../scenarios/bulk-enqueue.js';

const url = () => connectionString(postgres());
const workerUrl = () => `${url()}?application_name=${WORKER_APPLICATION}`;
const QUEUE = 'bench-noop';

/**
 * pg-boss 12.38. Defaults: `work(queue, handler)`: one job per fetch, a 2 s polling interval,
 * no LISTEN/NOTIFY. Tuned: batches of 50, 10 local workers, burst mode while batches come back
 * full, and LISTEN/NOTIFY wake-up (instance `useListenNotify` and a `notify` queue).
 */
export const pgbossConfigurations = (): Configuration[] => [
  {
    system: 'pg-boss',
    name: 'defaults',
    description: 'work(queue, handler): batchSize 1, pollingIntervalSeconds 2, no LISTEN/NOTIFY',
    worker: 'pgboss',
    settings: { connectionString: workerUrl(), queue: QUEUE, notify: false },
  },
  {
    system: 'pg-boss',
    name: 'tuned',
    description: 'batchSize 50, localConcurrency 10, burstWhenBatchFull, useListenNotify + notify queue',
    worker: 'pgboss',
    settings: {
      connectionString: workerUrl(),
      queue: QUEUE,
      notify: true,
      constructor: { useListenNotify: true },
      work: { batchSize: 50, localConcurrency: 10, burstWhenBatchFull: true },
    },
  },
];

export class PgBossBackend implements Backend {
  readonly system = 'pg-boss' as const;
  private readonly pool = new pg.Pool({ connectionString: url(), max: 2 });
  private boss?: PgBoss;

  /** A fresh schema for every run (pg-boss creates it on start), then the queue. */
  async reset(config: Configuration): Promise<void> {
    await this.boss?.stop({ graceful: false, timeout: 1000 });
    await this.pool.query('DROP SCHEMA IF EXISTS pgboss CASCADE');
    // The benchmark's own instance only enqueues: no maintenance or cron beside the worker's.
    this.boss = new PgBoss({ connectionString: url(), supervise: false, schedule: false, max: 4 });
    this.boss.on('error', (error) => console.error('pg-boss (producer):', error.message));
    await this.boss.start();
    await this.boss.createQueue(QUEUE, { notify: Boolean(config.settings.notify) });
  }

  async enqueueBulk(count: number): Promise<void> {
    await inChunks(count, 5000, async (from, to) => {
      const jobs = [];
      for (let n = from; n < to; n++) jobs.push({ data: { n } });
      await this.boss!.insert(QUEUE, jobs);
    });
    await this.pool.query('ANALYZE pgboss.job');
  }

  /** A PgBoss instance of its own (no maintenance) over `connections` (default 10): `send` per task, `insert` in bulk. */
  async producer(_config?: Configuration, options: ProducerOptions = {}): Promise<Producer> {
    const boss = new PgBoss({
      connectionString: url(),
      supervise: false,
      schedule: false,
      migrate: false,
      max: options.connections ?? 10,
    });
    boss.on('error', (error) => console.error('pg-boss (producer):', error.message));
    await boss.start();
    return {
      bulkCall: 'insert',
      enqueue: async (n) => {
        await boss.send(QUEUE, { n });
      },
      enqueueMany: async (ns) => {
        await boss.insert(
          QUEUE,
          ns.map((n) => ({ data: { n } })),
        );
      },
      close: () => boss.stop({ graceful: false, timeout: 1000 }),
    };
  }

  async clear(): Promise<void> {
    await this.pool.query('TRUNCATE pgboss.job');
  }

  async verifyEnqueued(count: number): Promise<string[]> {
    const { rows } = await this.pool.query(
      `SELECT count(*)::int AS total, count(DISTINCT data)::int AS distinct FROM pgboss.job WHERE name = $1`,
      [QUEUE],
    );
    return rows[0].total === count && rows[0].distinct === count
      ? []
      : [`pgboss.job: ${rows[0].total} job(s), ${rows[0].distinct} distinct payloads; ${count} acknowledged`];
  }

  /** The engine behind `fetch()`, for the claim-cost scenario. */
  get instance(): PgBoss {
    return this.boss!;
  }

  get queue(): string {
    return QUEUE;
  }

  query(text: string, values: unknown[] = []) {
    return this.pool.query(text, values);
  }

  async drained(): Promise<boolean> {
    const { rows } = await this.pool.query(
      `SELECT NOT EXISTS (SELECT 1 FROM pgboss.job WHERE name = $1 AND state < 'completed') AS done`,
      [QUEUE],
    );
    return rows[0].done;
  }

  /** Bulk enqueue through `PgBoss.insert`, 5,000 jobs per call. */
  bulkEnqueuer(config: Configuration): BulkEnqueuer {
    return {
      system: 'pg-boss',
      call: 'insert',
      reset: () => this.reset(config),
      insert: (count) =>
        inChunks(count, 5000, async (from, to) => {
          const jobs = [];
          for (let n = from; n < to; n++) jobs.push({ data: { n } });
          await this.boss!.insert(QUEUE, jobs);
        }),
      queued: async () =>
        (
          await this.pool.query(`SELECT count(*)::int AS c FROM pgboss.job WHERE name = $1 AND state = 'created'`, [
            QUEUE,
          ])
        ).rows[0].c,
    };
  }

  async completed(): Promise<number> {
    const { rows } = await this.pool.query(
      `SELECT count(*)::int AS c FROM pgboss.job WHERE name = $1 AND state = 'completed'`,
      [QUEUE],
    );
    return rows[0].c;
  }

  async verify(count: number): Promise<string[]> {
    const { rows } = await this.pool.query(
      `SELECT count(*)::int AS total, count(*) FILTER (WHERE state = 'completed')::int AS completed FROM pgboss.job WHERE name = $1`,
      [QUEUE],
    );
    const { total, completed } = rows[0];
    return total === count && completed === count
      ? []
      : [`pg-boss: ${completed} of ${total} job(s) completed, ${count} expected`];
  }

  async close(): Promise<void> {
    await this.boss?.stop({ graceful: false, timeout: 1000 });
    await this.pool.end();
  }
}
