import { makeWorkerUtils, runMigrations, type WorkerUtils } from 'graphile-worker';
import pg from 'pg';
import { WORKER_APPLICATION } from '../support/pg-cpu.js';
import { connectionString, postgres } from '../support/settings.js';
import { inChunks, type Backend, type Configuration, type Producer, type ProducerOptions } from './system.js';
import type { BulkEnqueuer } from '../scenarios/bulk-enqueue.js';

const url = () => connectionString(postgres());
const workerUrl = () => `${url()}?application_name=${WORKER_APPLICATION}`;

/**
 * graphile-worker 0.18. Defaults: `run()` with concurrency 10 (its own default is 1; the issue's
 * reference uses 10) and nothing else set: one job per fetch, completion per job, LISTEN/NOTIFY.
 * Tuned: a local queue of 100 (batch fetch) and batched completions, as its performance page advises.
 */
export const graphileConfigurations = (): Configuration[] => [
  {
    system: 'graphile-worker',
    name: 'defaults',
    description: 'concurrency 10, otherwise defaults (fetch 1, complete 1, LISTEN/NOTIFY, poll 2 s)',
    worker: 'graphile',
    settings: { connectionString: workerUrl(), concurrency: 10 },
  },
  {
    system: 'graphile-worker',
    name: 'tuned',
    description: 'concurrency 10, localQueue.size 100, completeJobBatchDelay 0, failJobBatchDelay 0',
    worker: 'graphile',
    settings: {
      connectionString: workerUrl(),
      concurrency: 10,
      preset: { localQueue: { size: 100 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 },
    },
  },
];

export class GraphileBackend implements Backend {
  readonly system = 'graphile-worker' as const;
  private readonly pool = new pg.Pool({ connectionString: url(), max: 2 });
  private utils?: WorkerUtils;
  private enqueued = 0;

  /** A fresh schema for every run: graphile-worker deletes finished jobs, so there is no history to keep. */
  async reset(): Promise<void> {
    await this.utils?.release();
    this.utils = undefined;
    await this.pool.query('DROP SCHEMA IF EXISTS graphile_worker CASCADE');
    await runMigrations({ connectionString: url(), logger: undefined });
    this.utils = await makeWorkerUtils({ connectionString: url() });
    this.enqueued = 0;
  }

  async enqueueBulk(count: number): Promise<void> {
    await inChunks(count, 5000, async (from, to) => {
      const jobs = [];
      for (let n = from; n < to; n++) jobs.push({ identifier: 'noop', payload: { n } });
      await this.utils!.addJobs(jobs);
    });
    this.enqueued += count;
    await this.pool.query('ANALYZE graphile_worker._private_jobs');
  }

  /** `WorkerUtils` over a pool of `connections` (default 10): `addJob` per task, `addJobs` in bulk. */
  async producer(_config?: Configuration, options: ProducerOptions = {}): Promise<Producer> {
    const pgPool = new pg.Pool({ connectionString: url(), max: options.connections ?? 10 });
    pgPool.on('error', (error) => console.error('graphile-worker (producer pool):', error.message));
    const utils = await makeWorkerUtils({ pgPool });
    return {
      bulkCall: 'addJobs',
      enqueue: async (n) => {
        await utils.addJob('noop', { n });
        this.enqueued++;
      },
      enqueueMany: async (ns) => {
        await utils.addJobs(ns.map((n) => ({ identifier: 'noop', payload: { n } })));
        this.enqueued += ns.length;
      },
      close: async () => {
        await utils.release();
        await pgPool.end();
      },
    };
  }

  async clear(): Promise<void> {
    await this.pool.query('TRUNCATE graphile_worker._private_jobs');
    this.enqueued = 0;
  }

  async verifyEnqueued(count: number): Promise<string[]> {
    const { rows } = await this.pool.query(
      `SELECT count(*)::int AS total, count(DISTINCT payload::text)::int AS distinct FROM graphile_worker._private_jobs`,
    );
    return rows[0].total === count && rows[0].distinct === count
      ? []
      : [
          `graphile_worker._private_jobs: ${rows[0].total} job(s), ${rows[0].distinct} distinct payloads; ${count} acknowledged`,
        ];
  }

  async drained(): Promise<boolean> {
    const { rows } = await this.pool.query('SELECT NOT EXISTS (SELECT 1 FROM graphile_worker._private_jobs) AS done');
    return rows[0].done;
  }

  /** Bulk enqueue through `WorkerUtils.addJobs`, 5,000 jobs per call. */
  bulkEnqueuer(): BulkEnqueuer {
    return {
      system: 'graphile-worker',
      call: 'addJobs',
      reset: () => this.reset(),
      insert: (count) =>
        inChunks(count, 5000, async (from, to) => {
          const jobs = [];
          for (let n = from; n < to; n++) jobs.push({ identifier: 'noop', payload: { n } });
          await this.utils!.addJobs(jobs);
        }),
      queued: async () =>
        (await this.pool.query('SELECT count(*)::int AS c FROM graphile_worker._private_jobs')).rows[0].c,
    };
  }

  async completed(): Promise<number> {
    const { rows } = await this.pool.query('SELECT count(*)::int AS c FROM graphile_worker._private_jobs');
    return this.enqueued - rows[0].c;
  }

  async verify(): Promise<string[]> {
    const { rows } = await this.pool.query(
      `SELECT count(*)::int AS left, count(*) FILTER (WHERE last_error IS NOT NULL)::int AS failed FROM graphile_worker._private_jobs`,
    );
    return rows[0].left === 0
      ? []
      : [`${rows[0].left} job(s) left in graphile_worker._private_jobs (${rows[0].failed} failed)`];
  }

  async close(): Promise<void> {
    await this.utils?.release();
    await this.pool.end();
  }
}
