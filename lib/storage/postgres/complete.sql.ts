import type { Pool } from 'pg';
import type { TaskOutcome } from '../engine.js';
import type { PgTables } from './tables.js';
import { DB_NOW_MS, INT_MAX, num, poolQuery, type MakeStatement, type Statement } from './sql.js';

/**
 * Write back a batch of finished attempts in one round trip. Each task update is fenced by its
 * claim token (a rescued and re-claimed task has a new one), and a run row is inserted only for
 * the outcomes whose update went through: a worker that lost its lease writes nothing at all.
 * The final SELECT reports the fenced-out ids.
 *
 * The outcomes travel as one JSON array read by `json_to_recordset`, in a compact form written by
 * `completionWire`: short keys, absent keys for null values, claim tokens and the worker name
 * once per batch, and nothing the task row already holds (the run's job name and user come from
 * the updated row). A no-op outcome is about 110 bytes instead of 450 as plain objects: the
 * worker's socket writes and PostgreSQL's JSON parser both feel the difference. `t.id = ANY($2)` pins the task look-up to the primary key:
 * joined to the input alone, PostgreSQL sometimes hashed the whole task table to update a few
 * hundred rows.
 *
 * With `runIds` (lifecycle events have listeners) the statement also returns the id of each run
 * row it inserted, beside the fenced-out ids (those with a NULL `run_id`); without listeners the
 * reply stays the few fenced-out rows, usually none.
 *
 * A task that takes part in dependencies or a batch (`flow <> 0`, docs/flow-control.md) comes
 * back as its negated id, for `settleFlow`; no row is added for any other task.
 *
 * With `remove` (a batch holding an outcome with `rm`: `removeOnComplete`, a task completed for
 * good) such a task is deleted instead of updated, unless the row is still needed: a dedup key's
 * window, dependencies or a batch. The two data-modifying CTEs take complementary rows, so each
 * task is either updated or deleted, and its run row is inserted either way. Batches without such
 * an outcome run the statement without the DELETE.
 */
export function completeStatement(t: PgTables, statement: MakeStatement, runIds = false, remove = false): Statement {
  // Without `remove` (no outcome of the batch asks for it) the statement has no DELETE at all.
  const removable = remove ? 'AND NOT (i.rm AND t.flow = 0 AND t.dedup_key IS NULL)' : '';
  // The tasks written, updated or deleted: what the run insert and the fenced-out check read.
  const written = remove ? 'finished' : 'updated';
  return statement(
    `complete${runIds ? '_runs' : ''}${remove ? '_rm' : ''}`,
    `WITH input AS (
       SELECT j.i, ($3::text[])[j.k] AS k, COALESCE(j.w, $4) AS w, j.a, j.f, j.s, j.b, j.e, j.r, j.m, j.o, j.x,
              COALESCE(j.t, j.s) AS t, j.n, j.d, j.tr, j.tf, j.na${remove ? ', j.rm IS NOT NULL AS rm' : ''}
         FROM json_to_recordset($1::json)
           AS j(i bigint, k int, w text, a int, f bigint, s text, b bigint, e bigint, r text, m text, o text, x text,
                t text, n bigint, d bigint, tr int, tf int, na int${remove ? ', rm int' : ''})
     ), clock AS (SELECT ${DB_NOW_MS} AS now),${
       remove
         ? `
     removed AS (
       DELETE FROM ${t.task} t
        USING input i
        WHERE t.id = ANY ($2::bigint[]) AND t.id = i.i AND t.claim_token = i.k
          AND i.rm AND t.flow = 0 AND t.dedup_key IS NULL
       RETURNING t.id, i.k AS token, t.job_name, t.run_as, t.flow
     ),`
         : ''
     }
     updated AS (
       UPDATE ${t.task} t
          SET status = i.t,
              next_run_time = CASE WHEN i.t = 'QUEUED' THEN COALESCE(i.n, c.now + COALESCE(i.d, 0)) ELSE t.next_run_time END,
              attempt = i.na, times_run = i.tr, times_failed = i.tf,
              last_run_time = i.e, assigned_worker = NULL, claim_token = NULL, claimed_at = NULL,
              progress = NULL, progress_message = NULL, output = NULL, stop_requested = false, updated_at = c.now
         FROM input i CROSS JOIN clock c
        WHERE t.id = ANY ($2::bigint[]) AND t.id = i.i AND t.claim_token = i.k ${removable}
       RETURNING t.id, i.k AS token, t.job_name, t.run_as, t.flow
     ),
     ${remove ? 'finished AS (SELECT * FROM updated UNION ALL SELECT * FROM removed),' : ''}
     runs AS (
       INSERT INTO ${t.run} (task_id, job_name, status, worker, attempt, scheduled_for, start_time, stop_time,
                             duration_ms, result, message, output, traceback, run_as)
       SELECT i.i, u.job_name, i.s, i.w, i.a, i.f, i.b, i.e,
              LEAST(GREATEST(i.e - i.b, 0), ${INT_MAX})::int, i.r, i.m, i.o, i.x, u.run_as
         FROM input i JOIN ${written} u ON u.id = i.i AND u.token = i.k
       ${runIds ? 'RETURNING task_id, id' : ''}
     )
     SELECT i.i AS id${runIds ? ', NULL::int AS run_id' : ''} FROM input i
      WHERE NOT EXISTS (SELECT 1 FROM ${written} u WHERE u.id = i.i AND u.token = i.k)
     UNION ALL SELECT -u.id${runIds ? ', -1' : ''} FROM updated u WHERE u.flow <> 0
     ${runIds ? 'UNION ALL SELECT r.task_id, r.id FROM runs r' : ''}`,
  );
}

/** The parameters of the completion statement for a batch. */
export interface CompletionWire {
  /** `$1`: the outcomes as `json_to_recordset` input. */
  outcomes: string;
  /** `$2`: their task ids, as a PostgreSQL array literal. */
  taskIds: string;
  /** `$3`: the batch's distinct claim tokens (an outcome's `k` is a 1-based index). */
  tokens: string[];
  /** `$4`: the worker of outcomes without a `w` of their own. */
  worker: string;
}

/** One outcome as the statement reads it: short keys, optional ones only when they say something. */
interface WireOutcome {
  i: number;
  k: number;
  a: number;
  f: number;
  s: string;
  b: number;
  e: number;
  tr: number;
  tf: number;
  na: number;
  t?: string;
  w?: string;
  d?: number;
  n?: number;
  r?: string;
  m?: string;
  o?: string;
  x?: string;
  rm?: 1;
}

/**
 * A batch of outcomes as the completion statement's parameters. Keys as in its column list; a
 * key is left out when its value is null (the column reads NULL), `t` when the task's status is
 * the run's, `w` when the worker is the batch's. A claim gives all its tasks one token, so tokens
 * travel once each. One native `JSON.stringify` writes the text: building it by concatenation
 * left a trail of intermediate strings per outcome for the garbage collector.
 */
export function completionWire(outcomes: TaskOutcome[]): CompletionWire {
  const worker = outcomes[0]?.worker ?? '';
  const tokens: string[] = [];
  const tokenIndex = new Map<string, number>();
  const wire = new Array<WireOutcome>(outcomes.length);
  let ids = '{';
  for (let n = 0; n < outcomes.length; n++) {
    const o = outcomes[n];
    let k = tokenIndex.get(o.claimToken);
    if (k === undefined) {
      k = tokens.push(o.claimToken);
      tokenIndex.set(o.claimToken, k);
    }
    ids += n === 0 ? `${o.taskId}` : `,${o.taskId}`;
    const w: WireOutcome = {
      i: o.taskId,
      k,
      a: o.attempt,
      f: o.scheduledFor,
      s: o.runStatus,
      b: o.startTime,
      e: o.stopTime,
      tr: o.timesRun,
      tf: o.timesFailed,
      na: o.nextAttempt,
    };
    if (o.taskStatus !== o.runStatus) w.t = o.taskStatus;
    if (o.worker !== worker) w.w = o.worker;
    if (o.delayMs !== 0) w.d = o.delayMs;
    if (o.nextRunTime !== null) w.n = o.nextRunTime;
    if (o.result !== null) w.r = o.result;
    if (o.message !== null) w.m = o.message;
    if (o.output !== null) w.o = o.output;
    if (o.traceback !== null) w.x = o.traceback;
    if (o.removeTask === true) w.rm = 1;
    wire[n] = w;
  }
  return { outcomes: JSON.stringify(wire), taskIds: `${ids}}`, tokens, worker };
}

export async function completeTasks(
  pool: Pool,
  sql: Statement,
  outcomes: TaskOutcome[],
  flagged: number[] = [],
): Promise<number[]> {
  if (outcomes.length === 0) return [];
  const wire = completionWire(outcomes);
  const { rows } = await poolQuery<{ id: string }>(pool, sql, [wire.outcomes, wire.taskIds, wire.tokens, wire.worker]);
  const fenced: number[] = [];
  for (const r of rows) {
    const id = num(r.id);
    if (id < 0) flagged.push(-id);
    else fenced.push(id);
  }
  return fenced;
}

/** `completeTasks` with the statement built by `completeStatement(t, true)`: fills `runIds` by index. */
export async function completeTasksWithRunIds(
  pool: Pool,
  sql: Statement,
  outcomes: TaskOutcome[],
  runIds: number[],
  flagged: number[] = [],
): Promise<number[]> {
  if (outcomes.length === 0) return [];
  const wire = completionWire(outcomes);
  const { rows } = await poolQuery<{ id: string; run_id: number | null }>(pool, sql, [
    wire.outcomes,
    wire.taskIds,
    wire.tokens,
    wire.worker,
  ]);
  const fenced: number[] = [];
  const written = new Map<number, number>();
  for (const row of rows) {
    if (num(row.id) < 0) flagged.push(-num(row.id));
    else if (row.run_id === null) fenced.push(num(row.id));
    else written.set(num(row.id), num(row.run_id));
  }
  for (const o of outcomes) runIds.push(written.get(o.taskId) ?? 0);
  return fenced;
}
