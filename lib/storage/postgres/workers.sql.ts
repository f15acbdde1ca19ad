import type { Pool } from 'pg';
import type { Instant, WorkerRecord } from '../engine.js';
import type { PgTables } from './tables.js';
import { DB_NOW_MS, num, poolQuery, type MakeStatement, type Statement } from './sql.js';

export interface WorkerStatements {
  heartbeat: Statement;
  remove: Statement;
  stopRequests: Statement;
}

/**
 * A heartbeat is one upsert: the first one inserts the row as ACTIVE, later ones refresh the
 * liveness fields and leave `status` alone, because status is the command an admin (or the CLI)
 * addresses to the worker, and the heartbeat is how the worker reads it.
 */
export function workerStatements(t: PgTables, statement: MakeStatement): WorkerStatements {
  return {
    heartbeat: statement(
      'heartbeat',
      `WITH clock AS (SELECT COALESCE($8::bigint, ${DB_NOW_MS}) AS now)
       INSERT INTO ${t.worker} AS w (name, hostname, pid, groups, status, first_heartbeat, last_heartbeat,
                                     running, completed, failed)
       SELECT $1, $2, $3, $4, 'ACTIVE', c.now, c.now, $5, $6, $7 FROM clock c
       ON CONFLICT (name) DO UPDATE
          SET last_heartbeat = EXCLUDED.last_heartbeat, running = EXCLUDED.running,
              completed = EXCLUDED.completed, failed = EXCLUDED.failed, groups = EXCLUDED.groups,
              hostname = EXCLUDED.hostname, pid = EXCLUDED.pid
       RETURNING w.status`,
    ),
    remove: statement('remove_worker', `DELETE FROM ${t.worker} WHERE name = $1`),
    stopRequests: statement(
      'stop_requests',
      `SELECT id FROM ${t.task} WHERE assigned_worker = $1 AND status = 'RUNNING' AND stop_requested ORDER BY id`,
    ),
  };
}

export async function heartbeat(
  pool: Pool,
  sql: WorkerStatements,
  worker: WorkerRecord,
  now: Instant,
): Promise<string> {
  const { rows } = await poolQuery<{ status: string }>(pool, sql.heartbeat, [
    worker.name,
    worker.hostname,
    worker.pid,
    JSON.stringify(worker.groups),
    worker.running,
    worker.completed,
    worker.failed,
    now,
  ]);
  return rows[0].status;
}

export async function removeWorker(pool: Pool, sql: WorkerStatements, name: string): Promise<void> {
  await poolQuery(pool, sql.remove, [name]);
}

export async function stopRequests(pool: Pool, sql: WorkerStatements, worker: string): Promise<number[]> {
  const { rows } = await poolQuery<{ id: string }>(pool, sql.stopRequests, [worker]);
  return rows.map((r) => num(r.id));
}
