import type { Pool } from 'pg';
import type { EntityManager } from 'typeorm';
import type { EnqueueResult, ExistingTask, NewTask } from '../engine.js';
import type { PgTables } from './tables.js';
import { CHANNEL, DB_NOW_MS, managerQuery, num, poolQuery, type MakeStatement, type Statement } from './sql.js';

export interface EnqueueStatements {
  insert: Statement;
  lookup: Statement;
  notify: Statement;
}

/**
 * One INSERT for the whole batch: the columns travel as arrays and `unnest` turns them back into
 * rows, so the statement text (and its prepared plan) is the same for 1 task or 1,000.
 * `ON CONFLICT (uuid) DO NOTHING` makes the uuid an idempotency key even between two nodes
 * enqueuing at once: the second waits for the first's unique-index entry, then skips.
 *
 * The wake-up travels in the same statement (`pg_notify` in a one-time filter): one round trip
 * per enqueue instead of two, and PostgreSQL still delivers it only when the transaction commits.
 * (A batch whose uuids all existed wakes idle workers for nothing; they find no work and wait on.)
 */
export function enqueueStatements(t: PgTables, statement: MakeStatement): EnqueueStatements {
  const insert = statement(
    'enqueue',
    `WITH input AS (
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::bigint[], $7::bigint[],
                            $8::int[], $9::int[], $10::text[], $11::text[], $12::text[], $13::int[], $14::text[])
         WITH ORDINALITY AS i(uuid, job_name, payload, group_name, priority, next_run_time, stop_time,
                              timeout_ms, retries, run_as, queued_by, schedule, repeats, trace_context, ord)
     ), clock AS (SELECT ${DB_NOW_MS} AS now),
     inserted AS (
     INSERT INTO ${t.task} (uuid, job_name, payload, status, group_name, priority, next_run_time, stop_time,
                            timeout_ms, retries, attempt, times_run, times_failed, repeats, schedule, run_as,
                            queued_by, stop_requested, created_at, updated_at, trace_context)
     SELECT i.uuid, i.job_name, i.payload, 'QUEUED', i.group_name, i.priority, COALESCE(i.next_run_time, c.now),
            i.stop_time, i.timeout_ms, i.retries, 0, 0, 0, i.repeats, i.schedule, i.run_as, i.queued_by, false,
            c.now, c.now, i.trace_context
       FROM input i CROSS JOIN clock c
      ORDER BY i.ord
     ON CONFLICT (uuid) DO NOTHING
     RETURNING id, uuid
     )
     SELECT id, uuid FROM inserted WHERE (SELECT pg_notify('${CHANNEL}', NULL)::text) = ''`,
  );
  // Runs only for uuids the insert skipped; its snapshot is newer than the insert's, so it sees the
  // row whose unique-index entry made the insert skip (committed, or this transaction's own).
  const lookup = statement(
    'enqueue_lookup',
    `SELECT id, uuid, job_name, payload, run_as FROM ${t.task} WHERE uuid = ANY($1::text[])`,
  );
  const notify = statement('notify', `NOTIFY ${CHANNEL}`);
  return { insert, lookup, notify };
}

const columns = (tasks: NewTask[]): unknown[] => [
  tasks.map((x) => x.uuid),
  tasks.map((x) => x.jobName),
  tasks.map((x) => x.payload),
  tasks.map((x) => x.group),
  tasks.map((x) => x.priority),
  tasks.map((x) => x.nextRunTime),
  tasks.map((x) => x.stopTime),
  tasks.map((x) => x.timeoutMs),
  tasks.map((x) => x.retries),
  tasks.map((x) => x.runAs),
  tasks.map((x) => x.queuedBy),
  tasks.map((x) => x.schedule),
  tasks.map((x) => x.repeats),
  tasks.map((x) => x.traceContext ?? null),
];

type IdRow = { id: string | number; uuid: string };
type ExistingRow = IdRow & { job_name: string; payload: string | null; run_as: string | null };

const identity = (task: NewTask): ExistingTask => ({ jobName: task.jobName, payload: task.payload, runAs: task.runAs });

/**
 * Pair each input with its row. A uuid seen twice in one batch is created once: the later
 * occurrences report `created: false` and the first one's content, like a second call would.
 */
function pair(tasks: NewTask[], inserted: IdRow[], existing: ExistingRow[]): EnqueueResult[] {
  const fresh = new Map(inserted.map((r) => [r.uuid, num(r.id)]));
  const old = new Map(existing.map((r) => [r.uuid, r]));
  const firsts = new Map<string, NewTask>();
  return tasks.map((task) => {
    const first = firsts.get(task.uuid);
    if (!first) firsts.set(task.uuid, task);
    const freshId = fresh.get(task.uuid);
    if (freshId !== undefined)
      return first
        ? { id: freshId, uuid: task.uuid, created: false, existing: identity(first) }
        : { id: freshId, uuid: task.uuid, created: true };
    const row = old.get(task.uuid);
    if (row === undefined) throw new Error(`Kronos: task ${task.uuid} was neither inserted nor found`);
    return {
      id: num(row.id),
      uuid: task.uuid,
      created: false,
      existing: { jobName: row.job_name, payload: row.payload, runAs: row.run_as },
    };
  });
}

const missing = (tasks: NewTask[], inserted: IdRow[]): string[] => {
  const fresh = new Set(inserted.map((r) => r.uuid));
  return [...new Set(tasks.map((x) => x.uuid).filter((uuid) => !fresh.has(uuid)))];
};

/** Insert through the pool (autocommit); idle workers wake when it commits. */
export async function enqueueWithPool(pool: Pool, sql: EnqueueStatements, tasks: NewTask[]): Promise<EnqueueResult[]> {
  if (tasks.length === 0) return [];
  const { rows } = await poolQuery<IdRow>(pool, sql.insert, columns(tasks));
  const others = missing(tasks, rows);
  const existing = others.length ? (await poolQuery<ExistingRow>(pool, sql.lookup, [others])).rows : [];
  return pair(tasks, rows, existing);
}

/**
 * Insert inside the caller's transaction. The notification is part of the statement, so it
 * travels with the transaction: PostgreSQL holds it until COMMIT and drops it on ROLLBACK, so no
 * worker wakes for a task it cannot see yet.
 */
export async function enqueueWithManager(
  manager: EntityManager,
  sql: EnqueueStatements,
  tasks: NewTask[],
): Promise<EnqueueResult[]> {
  if (tasks.length === 0) return [];
  const rows = await managerQuery<IdRow>(manager, sql.insert, columns(tasks));
  const others = missing(tasks, rows);
  const existing = others.length ? await managerQuery<ExistingRow>(manager, sql.lookup, [others]) : [];
  return pair(tasks, rows, existing);
}
