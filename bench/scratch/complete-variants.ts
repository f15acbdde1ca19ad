import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { KronosBackend, kronosDataSourceOptions } from '../systems/kronos.js';
import { WORKER_APPLICATION } from '../support/pg-cpu.js';
import type { TaskOutcome } from '../../lib/storage/engine.js';
import { completeStatement } from '../../lib/storage/postgres/complete.sql.js';
import { pgTables } from '../../lib/storage/postgres/tables.js';
import { poolQuery, statement, DB_NOW_MS, INT_MAX } from '../../lib/storage/postgres/sql.js';

const stat = new pg.Client({ host: '127.0.0.1', user: 'postgres', database: 'kronos_h4' });
await stat.connect();
let pids: number[] = [];
const cpu = () => pids.reduce((sum, pid) => { const st = readFileSync(`/proc/${pid}/stat`, 'utf8'); const f = st.slice(st.lastIndexOf(')') + 2).split(' '); return sum + (Number(f[11]) + Number(f[12])) * 10; }, 0);

const k = new KronosBackend('postgres', { ...kronosDataSourceOptions('postgres'), applicationName: WORKER_APPLICATION } as never);
await k.setUp();
const t = pgTables(k.dataSource);
const pool = (k.dataSource.driver as any).master;
const arraysSql = statement('complete_arrays', `WITH input AS (
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::bigint[],
                            $8::text[], $9::bigint[], $10::bigint[], $11::text[], $12::text[], $13::text[],
                            $14::text[], $15::text[], $16::bigint[], $17::bigint[], $18::int[], $19::int[], $20::int[])
         AS i(id, token, job_name, worker, attempt, run_as, scheduled_for, run_status, start_time, stop_time,
              result, message, output, traceback, task_status, next_run_time, delay_ms, times_run, times_failed,
              next_attempt)
     ), clock AS (SELECT ${DB_NOW_MS} AS now),
     updated AS (
       UPDATE ${t.task} t
          SET status = i.task_status,
              next_run_time = CASE WHEN i.task_status = 'QUEUED'
                                   THEN COALESCE(i.next_run_time, c.now + i.delay_ms) ELSE t.next_run_time END,
              attempt = i.next_attempt, times_run = i.times_run, times_failed = i.times_failed,
              last_run_time = i.stop_time, assigned_worker = NULL, claim_token = NULL, claimed_at = NULL,
              progress = NULL, progress_message = NULL, output = NULL, stop_requested = false, updated_at = c.now
         FROM input i CROSS JOIN clock c
        WHERE t.id = ANY($1::bigint[]) AND t.id = i.id AND t.claim_token = i.token
       RETURNING t.id, i.token
     ),
     runs AS (
       INSERT INTO ${t.run} (task_id, job_name, status, worker, attempt, scheduled_for, start_time, stop_time,
                             duration_ms, result, message, output, traceback, run_as)
       SELECT i.id, i.job_name, i.run_status, i.worker, i.attempt, i.scheduled_for, i.start_time, i.stop_time,
              LEAST(GREATEST(i.stop_time - i.start_time, 0), ${INT_MAX})::int, i.result, i.message, i.output,
              i.traceback, i.run_as
         FROM input i JOIN updated u ON u.id = i.id AND u.token = i.token
     )
     SELECT i.id FROM input i WHERE NOT EXISTS (SELECT 1 FROM updated u WHERE u.id = i.id AND u.token = i.token)`);
const jsonSql = completeStatement(t);
const variants: Record<string, (o: TaskOutcome[]) => Promise<unknown>> = {
  json: (o) => poolQuery(pool, jsonSql, [JSON.stringify(o), o.map((x) => x.taskId)]),
  arrays: (o) => { const col = (k: keyof TaskOutcome) => o.map((x) => x[k]); return poolQuery(pool, arraysSql, ['taskId','claimToken','jobName','worker','attempt','runAs','scheduledFor','runStatus','startTime','stopTime','result','message','output','traceback','taskStatus','nextRunTime','delayMs','timesRun','timesFailed','nextAttempt'].map((k) => col(k as keyof TaskOutcome))); },
};
for (let r = 0; r < 2; r++) for (const [name, run] of Object.entries(variants)) {
  await k.reset();
  await k.enqueueBulk(20000);
  pids = (await stat.query(`SELECT pid FROM pg_stat_activity WHERE application_name = $1`, [WORKER_APPLICATION])).rows.map((r) => r.pid);
  let compCpu = 0;
  for (;;) {
    const got = await k.storage.claim({ worker: 'w', groups: ['main'], jobNames: ['bench.noop'], limit: 200, now: null });
    if (!got.length) break;
    const now = Date.now();
    const outcomes: TaskOutcome[] = got.map((c) => ({ taskId: c.id, claimToken: c.claimToken, jobName: c.jobName, worker: 'w', attempt: c.attempt, runAs: null, scheduledFor: c.scheduledFor, runStatus: 'COMPLETED', startTime: now, stopTime: now, result: null, message: null, output: null, traceback: null, taskStatus: 'COMPLETED', nextRunTime: null, delayMs: 0, timesRun: 1, timesFailed: 0, nextAttempt: c.attempt }));
    const c0 = cpu();
    await run(outcomes);
    compCpu += cpu() - c0;
  }
  console.log(`${name}: complete backend CPU per 1k ${(compCpu / 20).toFixed(1)} ms`);
}
await k.close();
await stat.end();
