import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { claimedTaskFromRow } from '../claimed-task-row.js';
import type { ClaimedTask, ClaimRequest } from '../engine.js';
import type { PgTables } from './tables.js';
import { DB_NOW_MS, poolQuery, type MakeStatement, type Statement } from './sql.js';

/**
 * The claim is one statement (graphile-worker's shape): the CTE picks due rows in claim order
 * and locks them with SKIP LOCKED, so concurrent claimers each take different rows without
 * waiting on one another; the UPDATE moves exactly those rows to RUNNING and hands them back.
 * The partial index `kronos_task_due` (group, priority DESC, due time, id; QUEUED rows only)
 * delivers rows in claim order, so the scan stops after `limit` rows however long the queue and
 * however much history the table keeps. The UPDATE finds the locked rows by their `ctid`
 * (a TID scan, whatever plan is cached; a locked row cannot move): joined to the CTE instead,
 * PostgreSQL hashed all 20,000 task rows to update 200 (11 of 17 ms). Jobs an admin deactivated
 * (or gone from code) are dropped from the requested names once per claim, not looked up per row,
 * and the claim token, the same for every row, is not sent back.
 *
 * The claim commits without waiting for its WAL flush (`synchronous_commit` off for this one
 * transaction): a claim is a lease, not a result. Should the database crash before the flush
 * (a fraction of a second: `wal_writer_delay`), the claim is forgotten and the task runs again,
 * as it would after a worker crash (at-least-once); a worker still running it is fenced out by
 * its claim token. Completions keep the durable commit.
 */
function claimText(t: PgTables, due: string): string {
  return `WITH clock AS (SELECT COALESCE($5::bigint, ${DB_NOW_MS}) AS now, set_config('synchronous_commit', 'off', true) AS sync),
     due AS (${due})
     UPDATE ${t.task} t
        SET status = 'RUNNING', assigned_worker = $1, claim_token = $6, claimed_at = c.now,
            attempt = t.attempt + 1, progress = NULL, progress_message = NULL, output = NULL,
            stop_requested = false, updated_at = c.now
       FROM clock c
      WHERE t.ctid = ANY (ARRAY(SELECT ctid FROM due))
     RETURNING t.id, t.uuid, t.job_name, t.payload, t.group_name, t.priority, t.timeout_ms, t.retries, t.attempt,
               t.times_run, t.times_failed, t.repeats, t.schedule, t.next_run_time, t.run_as, t.trace_context`;
}

const dueRows = (t: PgTables, group: string, limit: string) => `
       SELECT t.ctid, t.id, t.priority, t.next_run_time
         FROM ${t.task} t CROSS JOIN clock c
        WHERE t.status = 'QUEUED'
          AND t.group_name = ${group}
          AND t.next_run_time <= c.now
          AND (t.stop_time IS NULL OR t.stop_time > c.now)
          AND t.job_name = ANY (ARRAY(
                SELECT n.name FROM unnest($3::text[]) AS n(name)
                 WHERE NOT EXISTS (SELECT 1 FROM ${t.job} j WHERE j.name = n.name AND (NOT j.active OR j.missing))))
        ORDER BY t.priority DESC, t.next_run_time, t.id
        LIMIT ${limit}
          FOR UPDATE OF t SKIP LOCKED`;

/** Claim statements of one table set, chosen per request. */
export interface ClaimStatements {
  /** The statement for `groups` and `limit`, and its `$2` (one group name, or the array). */
  pick(groups: string[], limit: number): { sql: Statement; groups: string | string[] };
}

/**
 * One group (the usual case): the index range of that group, rows taken in index order.
 *
 * The scan is capped twice: by a constant, the power of two at or above `limit`, and by `$4`,
 * the limit itself; rows are pulled, and so locked, only up to `$4`. The constant is for the
 * planner: with `LIMIT $4` alone its generic plan assumes a tenth of the queue and looks dearer
 * than a plan for the actual value, so PostgreSQL planned the statement afresh on every
 * execution (0.7 of a 1 ms claim). Capped by the constant, the generic plan looks no dearer and
 * is kept: one prepared statement per power of two.
 *
 * Several groups: one index range each (`LATERAL`), merged in claim order. With
 * `group_name = ANY(...)` the index can filter but not deliver rows in claim order, and
 * PostgreSQL read and sorted every queued row (26 ms for 10 tasks of a 20,000 backlog).
 */
export function claimStatements(t: PgTables, statement: MakeStatement): ClaimStatements {
  const byCap = new Map<number, Statement>();
  const single = (cap: number) => {
    let sql = byCap.get(cap);
    if (!sql) {
      sql = statement(
        `claim_${cap}`,
        claimText(t, `SELECT s.ctid FROM (${dueRows(t, '$2::text', String(cap))}) s LIMIT $4`),
      );
      byCap.set(cap, sql);
    }
    return sql;
  };
  const several = statement(
    'claim_groups',
    claimText(
      t,
      `SELECT d.ctid
         FROM unnest($2::text[]) AS g(name)
         CROSS JOIN LATERAL (${dueRows(t, 'g.name', '$4')}) d
        ORDER BY d.priority DESC, d.next_run_time, d.id
        LIMIT $4`,
    ),
  );
  return {
    pick(groups, limit) {
      if (groups.length > 1) return { sql: several, groups };
      return { sql: single(2 ** Math.ceil(Math.log2(Math.max(1, limit)))), groups: groups[0] };
    },
  };
}

type ClaimRow = Record<string, unknown>;

/** RETURNING has no order; hand tasks back in claim order (priority, due time, id). */
const claimOrder = (a: ClaimedTask, b: ClaimedTask): number =>
  b.priority - a.priority || a.scheduledFor - b.scheduledFor || a.id - b.id;

export async function claimTasks(
  pool: Pool,
  statements: ClaimStatements,
  request: ClaimRequest,
): Promise<ClaimedTask[]> {
  if (request.limit <= 0 || request.groups.length === 0 || request.jobNames.length === 0) return [];
  const token = randomUUID();
  const { sql, groups } = statements.pick(request.groups, Math.floor(request.limit));
  const { rows } = await poolQuery<ClaimRow>(pool, sql, [
    request.worker,
    groups,
    request.jobNames,
    Math.floor(request.limit),
    request.now,
    token,
  ]);
  return rows.map((row) => claimedTaskFromRow(row, token)).sort(claimOrder);
}
