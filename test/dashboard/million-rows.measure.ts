/**
 * The million-row figures of docs/dashboard.md: the dashboard's filters and bulk actions over a
 * million tasks and a million runs, on PostgreSQL and SQLite, with an enqueue and a claim made
 * alongside every bulk action to show how long it ever holds them up. A measurement, not a
 * specification (it asserts only that each action changed what it should): run it by hand,
 *
 *   PGDATABASE=kronos_measure node --experimental-vm-modules node_modules/jest/bin/jest.js \
 *     --runInBand --testMatch '<rootDir>/test/dashboard/million-rows.measure.ts'
 *
 * (`KRONOS_MEASURE_DIALECTS=postgres` for one database). It prints a table per database.
 */
import { Injectable } from '@nestjs/common';
import { cpus, loadavg } from 'node:os';
import { DashboardBulk } from '../../lib/dashboard/dashboard-bulk.js';
import { Job } from '../../lib/index.js';
import { KronosRuntime } from '../../lib/kronos.runtime.js';
import type { Dialect } from '../support/databases.js';
import { freshDatabase } from '../support/test-app.js';
import { ADMIN_HEADER, ADMIN_TOKEN, bootDashboardApp, type DashboardApp } from './support/dashboard-app.js';

const ROWS = Number(process.env.KRONOS_MEASURE_ROWS ?? 1_000_000);
/** The tasks of bulk.job: all but every 1000th. */
const BULK_ROWS = ROWS - ROWS / 1000;
const HOUR = 3_600_000;
const DIALECTS = (process.env.KRONOS_MEASURE_DIALECTS ?? 'postgres,sqlite').split(',') as Dialect[];

/** The job whose tasks are enqueued and claimed alongside the bulk actions. */
@Injectable()
class ProbeJobs {
  @Job('probe.job', { group: 'probe' })
  probe() {
    return null;
  }
}

/** The seed of large-tables.spec.ts: a million tasks and a million runs, one statement per table. */
function seedSql(dialect: Dialect, now: number): string[] {
  const series =
    dialect === 'postgres'
      ? (body: string) => `${body.replace('FROM n', `FROM generate_series(1, ${ROWS}) AS n(i)`)}`
      : (body: string) => `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${ROWS}) ${body}`;
  const t0 = now - 48 * HOUR;
  return [
    series(`INSERT INTO kronos_task (uuid, job_name, payload, status, group_name, next_run_time, created_at, updated_at, times_run)
    SELECT 'seed-' || i, CASE WHEN i % 1000 = 0 THEN 'rare.job' ELSE 'bulk.job' END, '{"n":' || i || '}',
      CASE WHEN i % 5000 = 0 THEN 'FAILED' WHEN i > ${ROWS - 100} THEN 'QUEUED' ELSE 'COMPLETED' END,
      CASE WHEN i % 100 = 0 THEN 'rare' ELSE 'main' END, ${t0} + i * 172, ${t0} + i * 172, ${t0} + i * 172, 1
    FROM n`),
    series(`INSERT INTO kronos_run (task_id, job_name, status, worker, attempt, start_time, stop_time, duration_ms, message, output)
    SELECT i, CASE WHEN i % 1000 = 0 THEN 'rare.job' ELSE 'bulk.job' END, CASE WHEN i % 5000 = 0 THEN 'FAILED' ELSE 'COMPLETED' END,
      'seed#1', 1, ${t0} + i * 172 - 40, ${t0} + i * 172, 40, 'done', 'line'
    FROM n`),
  ];
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : 0;
};
const ms = (n: number) => `${n.toFixed(n < 10 ? 1 : 0)} ms`;

describe.each(DIALECTS)('Dashboard over a million rows: filters and bulk actions [%s]', (dialect) => {
  let d: DashboardApp;
  let runtime: KronosRuntime;
  let seededAt: number;
  const report: string[] = [];
  /** Each line is printed as soon as it is measured too (a long run can be read as it goes). */
  const note = (...lines: string[]) => {
    report.push(...lines);
    process.stderr.write(lines.map((line) => `[${dialect}] ${line}\n`).join(''));
  };

  beforeAll(async () => {
    d = await bootDashboardApp({
      db: await freshDatabase(dialect),
      providers: [ProbeJobs],
      scheduler: { worker: false },
      dashboardOptions: { refreshInterval: 0 },
    });
    runtime = d.app.get(KronosRuntime, { strict: false });
    seededAt = Date.now();
    const started = performance.now();
    for (const sql of seedSql(dialect, seededAt)) await d.dataSource.query(sql);
    if (dialect === 'postgres') await d.dataSource.query('ANALYZE');
    note(`seeded ${ROWS.toLocaleString('en-US')} tasks and runs in ${ms(performance.now() - started)}`);
  }, 600_000);
  afterAll(async () => {
    const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} at the end`;
    console.log(`[${dialect}] ${machine}\n${report.join('\n')}`);
    await d?.close();
  });

  /** A page's server time, best of three. */
  async function timed(path: string): Promise<number> {
    let best = Infinity;
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      const response = await fetch(`${d.url}${path}`, { headers: { [ADMIN_HEADER]: ADMIN_TOKEN } });
      await response.text();
      expect(response.status).toBe(200);
      best = Math.min(best, performance.now() - started);
    }
    return best;
  }

  it('times the filters', async () => {
    const recent = new Date(seededAt - 48 * HOUR + (ROWS - 50_000) * 172 + 1).toISOString().slice(0, 19) + 'Z';
    const paths = [
      '/tasks',
      '/tasks?status=FAILED',
      '/tasks?job=rare.job',
      '/tasks?status=COMPLETED&job=rare.job',
      '/tasks?group=rare',
      '/tasks?payload=n%3D999000',
      '/tasks?user=nobody',
      `/tasks?from=${recent}`,
      '/runs',
      '/runs?status=FAILED',
      '/runs?job=rare.job&before=300000',
      '/runs?payload=n%3D999000',
      '/runs?worker=seed%231&group=rare',
    ];
    note('| filter | best of 3 |', '|---|---|');
    for (const path of paths) note(`| \`${path}\` | ${ms(await timed(path))} |`);
  }, 600_000);

  /**
   * Run a bulk action over the filter while a probe enqueues a task and claims it, one after the
   * other without pause; each engine batch (one transaction) is timed too.
   */
  async function measure(
    label: string,
    action: 'retry' | 'stop' | 'delete',
    filter: Record<string, string>,
  ): Promise<number> {
    const engine = runtime.engine;
    const batch = engine.bulkTasks.bind(engine);
    const batches: number[] = [];
    engine.bulkTasks = async (...args) => {
      const started = performance.now();
      try {
        return await batch(...args);
      } finally {
        batches.push(performance.now() - started);
      }
    };
    const enqueues: number[] = [];
    const claims: number[] = [];
    let running = true;
    const probe = (async () => {
      while (running) {
        let started = performance.now();
        await d.scheduler.enqueue('probe.job', {});
        enqueues.push(performance.now() - started);
        started = performance.now();
        await engine.claim({ worker: 'probe', groups: ['probe'], jobNames: ['probe.job'], limit: 1, now: null });
        claims.push(performance.now() - started);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const started = performance.now();
    const done = await d.app.get(DashboardBulk).apply(action, { filter });
    const total = performance.now() - started;
    running = false;
    await probe;
    engine.bulkTasks = batch;
    // What autovacuum does after a change this size (the statements then plan with fresh counts).
    if (dialect === 'postgres') await d.dataSource.query('ANALYZE kronos_task');
    note(
      `| ${label} | ${done.rows.toLocaleString('en-US')} | ${(total / 1000).toFixed(1)} s | ` +
        `${Math.round(done.rows / (total / 1000)).toLocaleString('en-US')} | ${batches.length} | ` +
        `${ms(percentile(batches, 50))} / ${ms(Math.max(...batches))} | ` +
        `${enqueues.length}: ${ms(percentile(enqueues, 50))} / ${ms(percentile(enqueues, 99))} / ${ms(Math.max(...enqueues))} | ` +
        `${ms(percentile(claims, 50))} / ${ms(Math.max(...claims))} |`,
    );
    return done.rows;
  }

  it('times bulk actions over a million tasks, with an enqueue and a claim alongside', async () => {
    // Every task of bulk.job failed.
    await d.dataSource.query(`UPDATE kronos_task SET status = 'FAILED' WHERE job_name = 'bulk.job'`);
    if (dialect === 'postgres') await d.dataSource.query('ANALYZE kronos_task');
    note(
      '',
      '| action | tasks changed | total | rows/s | batches | batch p50 / max | concurrent enqueues: n, p50 / p99 / max | concurrent claim p50 / max |',
      '|---|---|---|---|---|---|---|---|',
    );
    expect(await measure('retry all failed of bulk.job', 'retry', { job: 'bulk.job', status: 'FAILED' })).toBe(
      BULK_ROWS,
    );
    expect(await measure('stop all queued of bulk.job', 'stop', { job: 'bulk.job', status: 'QUEUED' })).toBe(BULK_ROWS);
    expect(await measure('delete all stopped of bulk.job', 'delete', { job: 'bulk.job', status: 'STOPPED' })).toBe(
      BULK_ROWS,
    );
  }, 3_600_000);
});
