import type { EnqueueResult, NewTask } from '../engine.js';
import { ER_DUP_ENTRY, errno, type Row, type Session } from './connection.js';
import { CLOCK, type MysqlTables, num } from './sql.js';

const TASK_COLUMNS = `uuid, job_name, payload, status, group_name, priority, next_run_time, stop_time, timeout_ms,
                      retries, attempt, times_run, times_failed, repeats, schedule, run_as, queued_by,
                      stop_requested, created_at, updated_at`;

/** One tuple per task; `next_run_time` null means the database clock, which is fixed per statement. */
const TUPLE = `(?, ?, ?, 'QUEUED', ?, ?, ${CLOCK}, ?, ?, ?, 0, 0, 0, ?, ?, ?, ?, 0, ${CLOCK}, ${CLOCK})`;

const tupleValues = (x: NewTask): unknown[] => [
  x.uuid, x.jobName, x.payload, x.group, x.priority, x.nextRunTime, x.stopTime, x.timeoutMs, x.retries, x.repeats,
  x.schedule, x.runAs, x.queuedBy, null, null,
];

const insertSql = (t: MysqlTables, count: number): string =>
  `INSERT INTO ${t.task} (${TASK_COLUMNS}) VALUES ${Array.from({ length: count }, () => TUPLE).join(', ')}`;

/**
 * Ids by uuid. `locking` reads the latest committed rows even inside a REPEATABLE READ
 * transaction whose snapshot predates them (a caller's transaction, after a duplicate-key error).
 */
async function idsByUuid(session: Session, t: MysqlTables, uuids: string[], locking: boolean): Promise<Map<string, number>> {
  if (uuids.length === 0) return new Map();
  const lock = locking ? ' LOCK IN SHARE MODE' : '';
  const rows: Row[] = await session.rows(`SELECT id, uuid FROM ${t.task} WHERE uuid IN (?)${lock}`, [uuids]);
  return new Map(rows.map((row) => [row.uuid as string, num(row.id)]));
}

/** Insert one task at a time; a duplicate key means another transaction created it first. */
async function insertEach(session: Session, t: MysqlTables, tasks: NewTask[]): Promise<Set<string>> {
  const created = new Set<string>();
  for (const task of tasks) {
    try {
      await session.write(insertSql(t, 1), tupleValues(task));
      created.add(task.uuid);
    } catch (error) {
      if (errno(error) !== ER_DUP_ENTRY) throw error;
    }
  }
  return created;
}

/** The row for a uuid; the unique index may compare case-insensitively, so fall back to that. */
function idOf(ids: Map<string, number>, uuid: string): number {
  const exact = ids.get(uuid);
  if (exact !== undefined) return exact;
  for (const [key, id] of ids) if (key.toLowerCase() === uuid.toLowerCase()) return id;
  throw new Error(`Kronos: task ${uuid} was neither inserted nor found`);
}

/**
 * Insert tasks, idempotent by uuid. MySQL has no `INSERT ... RETURNING` (MariaDB has), and
 * `INSERT IGNORE` would also swallow truncation and NOT NULL errors, so:
 *
 * 1. read the uuids that already exist (the common repeat needs nothing more);
 * 2. insert the others with one multi-row INSERT, in input order (ids follow it);
 * 3. if another session created one of them meanwhile, the whole INSERT fails with a duplicate
 *    key and leaves the transaction usable (MySQL rolls back the statement only): insert them
 *    one by one to learn which are ours;
 * 4. read the ids of the new rows.
 *
 * A uuid repeated within the batch is created once; its later occurrences report `created:
 * false`, as a second call would. Runs on the caller's transaction or on the engine's own.
 */
export async function insertTasks(session: Session, t: MysqlTables, tasks: NewTask[]): Promise<EnqueueResult[]> {
  if (tasks.length === 0) return [];
  const firsts = [...new Map(tasks.map((task) => [task.uuid, task])).values()];
  const existing = await idsByUuid(session, t, firsts.map((task) => task.uuid), false);
  const fresh = firsts.filter((task) => !existing.has(task.uuid));
  let created = new Set<string>();
  let raced = false;
  if (fresh.length > 0) {
    try {
      await session.write(insertSql(t, fresh.length), fresh.flatMap(tupleValues));
      created = new Set(fresh.map((task) => task.uuid));
    } catch (error) {
      if (errno(error) !== ER_DUP_ENTRY) throw error;
      created = await insertEach(session, t, fresh);
      raced = true;
    }
  }
  const ids = new Map([...existing, ...(await idsByUuid(session, t, fresh.map((task) => task.uuid), raced))]);
  const reported = new Set<string>();
  return tasks.map((task) => {
    const first = !reported.has(task.uuid);
    reported.add(task.uuid);
    return { id: idOf(ids, task.uuid), uuid: task.uuid, created: first && created.has(task.uuid) };
  });
}
