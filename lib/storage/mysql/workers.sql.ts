import type { Instant, WorkerRecord } from '../engine.js';
import type { MysqlConnections } from './connection.js';
import { CLOCK, type MysqlTables, num } from './sql.js';

export interface WorkerStatements {
  heartbeat: string;
  status: string;
  remove: string;
  stopRequests: string;
}

/**
 * A heartbeat is one upsert: the first one inserts the row as ACTIVE, later ones refresh the
 * liveness fields and leave `status` alone, because status is the command an admin (or the CLI)
 * addresses to the worker, and the heartbeat is how the worker reads it. The update repeats its
 * values instead of using `VALUES(col)` (deprecated on MySQL 8) or `AS new` (not on MariaDB).
 * `groups` is a reserved word on MySQL 8, hence the backticks.
 */
export function workerStatements(t: MysqlTables): WorkerStatements {
  return {
    heartbeat: `INSERT INTO ${t.worker} (name, hostname, pid, \`groups\`, status, first_heartbeat, last_heartbeat,
                                         running, completed, failed)
                VALUES (?, ?, ?, ?, 'ACTIVE', ${CLOCK}, ${CLOCK}, ?, ?, ?)
                ON DUPLICATE KEY UPDATE last_heartbeat = ${CLOCK}, running = ?, completed = ?, failed = ?,
                                        \`groups\` = ?, hostname = ?, pid = ?`,
    status: `SELECT status FROM ${t.worker} WHERE name = ?`,
    remove: `DELETE FROM ${t.worker} WHERE name = ?`,
    stopRequests: `SELECT id FROM ${t.task}
                    WHERE assigned_worker = ? AND status = 'RUNNING' AND stop_requested = 1 ORDER BY id`,
  };
}

/** Upsert and read back in one transaction, so the status returned is the row just written. */
export async function heartbeat(
  db: MysqlConnections,
  sql: WorkerStatements,
  worker: WorkerRecord,
  now: Instant,
): Promise<string> {
  const groups = JSON.stringify(worker.groups);
  const { name, hostname, pid, running, completed, failed } = worker;
  return db.transaction(async (session) => {
    await session.write(sql.heartbeat, [
      name,
      hostname,
      pid,
      groups,
      now,
      now,
      running,
      completed,
      failed,
      now,
      running,
      completed,
      failed,
      groups,
      hostname,
      pid,
    ]);
    const [row] = await session.rows(sql.status, [name]);
    return row.status as string;
  });
}

export async function removeWorker(db: MysqlConnections, sql: WorkerStatements, name: string): Promise<void> {
  await db.autocommit((session) => session.write(sql.remove, [name]));
}

export async function stopRequests(db: MysqlConnections, sql: WorkerStatements, worker: string): Promise<number[]> {
  const rows = await db.autocommit((session) => session.rows(sql.stopRequests, [worker]));
  return rows.map((row) => num(row.id));
}
