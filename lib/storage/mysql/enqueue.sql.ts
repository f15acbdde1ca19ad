import type { EnqueueResult, ExistingTask, NewTask } from '../engine.js';
import { ER_DUP_ENTRY, errno, type Row, type Session } from './connection.js';
import { CLOCK, type MysqlTables, num } from './sql.js';

const TASK_COLUMNS = `uuid, job_name, payload, status, group_name, priority, next_run_time, stop_time, timeout_ms,
                      retries, attempt, times_run, times_failed, repeats, schedule, run_as, queued_by,
                      stop_requested, created_at, updated_at, trace_context`;

/** One tuple per task; `next_run_time` null means the database clock, which is fixed per statement. */
const TUPLE = `(?, ?, ?, 'QUEUED', ?, ?, ${CLOCK}, ?, ?, ?, 0, 0, 0, ?, ?, ?, ?, 0, ${CLOCK}, ${CLOCK}, ?)`;

const tupleValues = (x: NewTask): unknown[] => [
  x.uuid,
  x.jobName,
  x.payload,
  x.group,
  x.priority,
  x.nextRunTime,
  x.stopTime,
  x.timeoutMs,
  x.retries,
  x.repeats,
  x.schedule,
  x.runAs,
  x.queuedBy,
  null,
  null,
  x.traceContext ?? null,
];

const insertSql = (t: MysqlTables, count: number): string =>
  `INSERT INTO ${t.task} (${TASK_COLUMNS}) VALUES ${Array.from({ length: count }, () => TUPLE).join(', ')}`;

interface Found {
  id: number;
  /** What the row was queued with, when read with `content`. */
  existing?: ExistingTask;
}

/**
 * Rows by uuid. `locking` reads the latest committed rows even inside a REPEATABLE READ
 * transaction whose snapshot predates them (a caller's transaction, after a duplicate-key error).
 * `content` also reads what they were queued with (rows this enqueue did not create).
 */
async function rowsByUuid(
  session: Session,
  t: MysqlTables,
  uuids: string[],
  locking: boolean,
  content: boolean,
): Promise<Map<string, Found>> {
  if (uuids.length === 0) return new Map();
  const lock = locking ? ' LOCK IN SHARE MODE' : '';
  const columns = content ? 'id, uuid, job_name, payload, run_as' : 'id, uuid';
  const rows: Row[] = await session.rows(`SELECT ${columns} FROM ${t.task} WHERE uuid IN (?)${lock}`, [uuids]);
  return new Map(
    rows.map((row) => [
      row.uuid as string,
      content
        ? {
            id: num(row.id),
            existing: {
              jobName: row.job_name as string,
              payload: row.payload as string | null,
              runAs: row.run_as as string | null,
            },
          }
        : { id: num(row.id) },
    ]),
  );
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
function rowOf(rows: Map<string, Found>, uuid: string): Found {
  const exact = rows.get(uuid);
  if (exact !== undefined) return exact;
  for (const [key, row] of rows) if (key.toLowerCase() === uuid.toLowerCase()) return row;
  throw new Error(`Kronos: task ${uuid} was neither inserted nor found`);
}

/**
 * Insert tasks, idempotent by uuid. MySQL has no `INSERT ... RETURNING` (MariaDB has), and
 * `INSERT IGNORE` would also swallow truncation and NOT NULL errors, so:
 *
 * 1. read the uuids that already exist, with what they were queued with (the common repeat needs
 *    nothing more);
 * 2. insert the others with one multi-row INSERT, in input order (ids follow it);
 * 3. if another session created one of them meanwhile, the whole INSERT fails with a duplicate
 *    key and leaves the transaction usable (MySQL rolls back the statement only): insert them
 *    one by one to learn which are ours;
 * 4. read the ids of the new rows (and, after a race, what the other session's rows hold).
 *
 * A uuid repeated within the batch is created once; its later occurrences report `created:
 * false` and the first one's content, as a second call would. Runs on the caller's transaction
 * or on the engine's own.
 */
export async function insertTasks(session: Session, t: MysqlTables, tasks: NewTask[]): Promise<EnqueueResult[]> {
  if (tasks.length === 0) return [];
  const firsts = new Map<string, NewTask>();
  for (const task of tasks) if (!firsts.has(task.uuid)) firsts.set(task.uuid, task);
  const existing = await rowsByUuid(session, t, [...firsts.keys()], false, true);
  const fresh = [...firsts.values()].filter((task) => !existing.has(task.uuid));
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
  const rows = new Map([
    ...existing,
    ...(await rowsByUuid(
      session,
      t,
      fresh.map((task) => task.uuid),
      raced,
      raced,
    )),
  ]);
  const reported = new Set<string>();
  return tasks.map((task) => {
    const first = !reported.has(task.uuid);
    reported.add(task.uuid);
    const row = rowOf(rows, task.uuid);
    if (first && created.has(task.uuid)) return { id: row.id, uuid: task.uuid, created: true };
    const existingTask = row.existing ?? identity(firsts.get(task.uuid)!);
    return { id: row.id, uuid: task.uuid, created: false, existing: existingTask };
  });
}

const identity = (task: NewTask): ExistingTask => ({ jobName: task.jobName, payload: task.payload, runAs: task.runAs });
