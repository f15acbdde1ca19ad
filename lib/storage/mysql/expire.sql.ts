import type { ExpiredTask, Instant } from '../engine.js';
import type { MysqlConnections } from './connection.js';
import { CLOCK, num, type MysqlTables } from './sql.js';

/** Candidates per round: a backlog of expired tasks is worked off in slices, each a short statement. */
const EXPIRE_BATCH = 500;

export interface ExpireStatements {
  due: string;
  expire: string;
}

/**
 * A queued task whose stop time passed before any worker claimed it will never run: EXPIRED.
 *
 * Locks are taken in the order every other statement takes them, the row (primary key) before
 * its index entries: `due` finds the candidates with a plain read (no locks), and `expire` takes
 * them by primary key, checking again that each is still QUEUED and past its stop time (a claim
 * may have taken one meanwhile). A single UPDATE filtered on status walked the status index,
 * locking index entries before their rows; a claim locks rows first and then updates their index
 * entries, so the two deadlocked whenever queued work was being claimed.
 */
export function expireStatement(t: MysqlTables): ExpireStatements {
  return {
    due: `SELECT id, ${CLOCK} AS now FROM ${t.task}
           WHERE status = 'QUEUED' AND stop_time IS NOT NULL AND stop_time <= ${CLOCK}
           ORDER BY id LIMIT ${EXPIRE_BATCH}`,
    expire: `UPDATE ${t.task} FORCE INDEX (PRIMARY)
                SET status = 'EXPIRED', updated_at = ?
              WHERE id IN (?) AND status = 'QUEUED' AND stop_time <= ?`,
  };
}

export async function expireTasks(db: MysqlConnections, sql: ExpireStatements, now: Instant): Promise<number> {
  return db.autocommit(async (session) => {
    let expired = 0;
    for (;;) {
      const due = await session.rows(sql.due, [now, now]);
      if (due.length === 0) return expired;
      const at = Number(due[0].now);
      const { affectedRows } = await session.write(sql.expire, [at, due.map((row) => Number(row.id)), at]);
      expired += affectedRows;
      if (due.length < EXPIRE_BATCH || affectedRows === 0) return expired;
    }
  });
}

/**
 * `expireTasks`, reporting each task expired (lifecycle events have listeners). MySQL has no
 * `UPDATE ... RETURNING`, so one transaction reads the clock, finds the candidates with a plain
 * read, locks their rows by primary key (the lock order of `expireStatement`; SKIP LOCKED: a row
 * a claim holds is left to the next round, and the claim does not take it past its stop time
 * anyway), reading them again, and updates them by id.
 */
export async function expireTasksReporting(
  db: MysqlConnections,
  t: MysqlTables,
  now: Instant,
  expired: ExpiredTask[],
): Promise<number> {
  const found = await db.transaction(async (session) => {
    const at = num((await session.rows(`SELECT ${CLOCK} AS now`, [now]))[0].now);
    const due = await session.rows(
      `SELECT id FROM ${t.task} WHERE status = 'QUEUED' AND stop_time IS NOT NULL AND stop_time <= ? ORDER BY id LIMIT ${EXPIRE_BATCH}`,
      [at],
    );
    if (due.length === 0) return [];
    const rows = await session.rows(
      `SELECT id, job_name, attempt, run_as FROM ${t.task} FORCE INDEX (PRIMARY)
        WHERE id IN (?) AND status = 'QUEUED' AND stop_time <= ? ORDER BY id FOR UPDATE SKIP LOCKED`,
      [due.map((r) => num(r.id)), at],
    );
    if (rows.length > 0)
      await session.write(`UPDATE ${t.task} SET status = 'EXPIRED', updated_at = ? WHERE id IN (?)`, [
        at,
        rows.map((r) => r.id),
      ]);
    return rows.map((r): ExpiredTask => ({
      taskId: num(r.id),
      jobName: String(r.job_name),
      attempt: num(r.attempt),
      runAs: r.run_as as string | null,
      at,
    }));
  });
  expired.push(...found);
  return found.length;
}
