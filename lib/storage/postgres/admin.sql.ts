import type { Pool, PoolClient } from 'pg';
import type { WorkerStatus } from '../../entities/worker.entity.js';
import { claimedTaskFromRow } from '../claimed-task-row.js';
import type {
  ClaimedTask,
  DefinitionSchedule,
  DefinitionSpec,
  PruneFilter,
  PrunedBatch,
  ScheduleMove,
  SlotMove,
  StoppedTask,
} from '../engine.js';
import { flowTables } from '../../migrations/flow-tables.js';
import { SCHEDULED_TASK_UUID_LIKE } from '../../scheduled-task-uuid.js';
import { noWaitingDependents } from '../bulk-tasks.js';
import type { TaskStatus } from '../../types.js';
import { num, transaction } from './sql.js';
import type { PgTables } from './tables.js';

/**
 * The engine's statements off the hot path: stopping a task, schedule and slot moves, worker
 * commands, job definitions, pruning and the lease checks of a worker. Each is parsed on every
 * execution (unnamed, so they work through a transaction-pooling PgBouncer too): they run a few
 * times a minute at most, and keep no prepared statement on every pooled connection.
 */
export class PgAdmin {
  constructor(
    private readonly pool: () => Pool,
    private readonly t: PgTables,
  ) {}

  private async query<R extends Record<string, unknown>>(
    text: string,
    values: unknown[],
    client?: PoolClient,
  ): Promise<{ rows: R[]; rowCount: number }> {
    const result = await (client ?? this.pool()).query<R>(text, values);
    return { rows: result.rows, rowCount: result.rowCount ?? 0 };
  }

  private transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    return transaction(this.pool(), work);
  }

  /** Lock the task row, then stop it (QUEUED) or ask its worker to (RUNNING). */
  stopTask(taskId: number, now: number, stopped?: StoppedTask[]): Promise<TaskStatus | null> {
    const { t } = this;
    return this.transaction(async (client) => {
      const { rows } = await this.query<{
        status: TaskStatus;
        job_name: string;
        attempt: number;
        run_as: string | null;
      }>(`SELECT status, job_name, attempt, run_as FROM ${t.task} WHERE id = $1 FOR UPDATE`, [taskId], client);
      const task = rows[0];
      if (!task) return null;
      if (task.status === 'QUEUED' || task.status === 'WAITING') {
        await this.query(
          `UPDATE ${t.task} SET status = 'STOPPED', updated_at = $2 WHERE id = $1`,
          [taskId, now],
          client,
        );
        stopped?.push({ taskId, jobName: task.job_name, attempt: num(task.attempt), runAs: task.run_as, at: now });
        return 'STOPPED';
      }
      if (task.status === 'RUNNING') {
        await this.query(
          `UPDATE ${t.task} SET stop_requested = true, updated_at = $2 WHERE id = $1`,
          [taskId, now],
          client,
        );
      }
      return task.status;
    });
  }

  async tasksHeldBy(worker: string): Promise<ClaimedTask[]> {
    const { rows } = await this.query(
      `SELECT id, uuid, job_name, payload, group_name, priority, timeout_ms, retries, attempt, times_run, times_failed,
              repeats, schedule, next_run_time, run_as, claim_token, trace_context
         FROM ${this.t.task}
        WHERE assigned_worker = $1 AND status = 'RUNNING' AND claim_token IS NOT NULL AND claimed_at IS NOT NULL
        ORDER BY id`,
      [worker],
    );
    return rows.map((row) => claimedTaskFromRow(row));
  }

  async leaseTokens(taskIds: number[]): Promise<Map<number, string | null>> {
    if (taskIds.length === 0) return new Map();
    const { rows } = await this.query<{ id: string; claim_token: string | null }>(
      `SELECT id, claim_token FROM ${this.t.task} WHERE id = ANY($1::bigint[])`,
      [taskIds],
    );
    return new Map(rows.map((row) => [num(row.id), row.claim_token]));
  }

  async commandWorkers(names: string[], status: WorkerStatus): Promise<void> {
    if (names.length === 0) return;
    await this.query(`UPDATE ${this.t.worker} SET status = $2 WHERE name = ANY($1::text[])`, [names, status]);
  }

  async addDefinition(d: DefinitionSpec, now: number): Promise<boolean> {
    const { rowCount } = await this.query(
      `INSERT INTO ${this.t.job} (name, kind, schedule, schedule_normalized, timezone, schedule_set_by, active, active_set_by,
                                  description, timeout_ms, retries, group_name, priority, kwargs, source, missing,
                                  first_seen, last_seen, updated_at)
       VALUES ($1, $2, $3, $4, $5, 'code', $6, 'code', $7, $8, $9, $10, $11, $12, $13, false, $14, $14, $14)
       ON CONFLICT (name) DO NOTHING`,
      [
        d.name,
        d.kind,
        d.schedule,
        d.scheduleNormalized,
        d.timezone,
        d.active,
        d.description,
        d.timeoutMs,
        d.retries,
        d.group,
        d.priority,
        d.kwargs,
        d.source,
        now,
      ],
    );
    return rowCount > 0;
  }

  async updateDefinition(d: DefinitionSpec, now: number, changed: boolean): Promise<void> {
    await this.query(
      `UPDATE ${this.t.job}
          SET kind = $2, description = $3, timeout_ms = $4, retries = $5, group_name = $6, priority = $7, kwargs = $8,
              source = $9, missing = false, last_seen = $10,
              updated_at = CASE WHEN $11::boolean THEN $10 ELSE updated_at END,
              schedule = CASE WHEN schedule_set_by = 'code' THEN $12 ELSE schedule END,
              schedule_normalized = CASE WHEN schedule_set_by = 'code' THEN $13 ELSE schedule_normalized END,
              timezone = CASE WHEN schedule_set_by = 'code' THEN $14 ELSE timezone END,
              active = CASE WHEN active_set_by = 'code' THEN $15 ELSE active END
        WHERE name = $1`,
      [
        d.name,
        d.kind,
        d.description,
        d.timeoutMs,
        d.retries,
        d.group,
        d.priority,
        d.kwargs,
        d.source,
        now,
        changed,
        d.schedule,
        d.scheduleNormalized,
        d.timezone,
        d.active,
      ],
    );
  }

  async markDefinitionMissing(name: string, now: number): Promise<void> {
    await this.query(`UPDATE ${this.t.job} SET missing = true, updated_at = $2 WHERE name = $1`, [name, now]);
  }

  async setDefinitionActive(name: string, active: boolean, now: number): Promise<void> {
    await this.query(`UPDATE ${this.t.job} SET active = $2, active_set_by = 'admin', updated_at = $3 WHERE name = $1`, [
      name,
      active,
      now,
    ]);
  }

  async moveSchedule(move: ScheduleMove, definition?: DefinitionSchedule): Promise<void> {
    const { t } = this;
    await this.transaction(async (client) => {
      if (definition) {
        await this.query(
          `UPDATE ${t.job} SET schedule = $2, schedule_normalized = $3, timezone = $4, schedule_set_by = $5, updated_at = $6 WHERE name = $1`,
          [
            definition.name,
            definition.schedule,
            definition.scheduleNormalized,
            definition.timezone,
            definition.setBy,
            move.now,
          ],
          client,
        );
      }
      const task = move.task;
      await this.query(
        task
          ? `UPDATE ${t.task} SET schedule = $2, repeats = $3, stop_time = $4, updated_at = $5,
                    payload = $6, group_name = $7, priority = $8, retries = $9, run_as = $10 WHERE uuid = $1`
          : `UPDATE ${t.task} SET schedule = $2, repeats = $3, stop_time = $4, updated_at = $5 WHERE uuid = $1`,
        [
          move.uuid,
          move.schedule,
          move.repeats,
          move.stopTime,
          move.now,
          ...(task ? [task.payload, task.group, task.priority, task.retries, task.runAs] : []),
        ],
        client,
      );
      if (move.nextRunTime !== null) {
        await this.query(
          `UPDATE ${t.task} SET next_run_time = $2, status = 'QUEUED', attempt = 0 WHERE uuid = $1 AND status <> 'RUNNING'`,
          [move.uuid, move.nextRunTime],
          client,
        );
      }
    });
  }

  async moveSlot(move: SlotMove): Promise<boolean> {
    const { t } = this;
    const { rowCount } =
      move.to === null
        ? await this.query(
            `UPDATE ${t.task} SET status = 'EXPIRED', updated_at = $3 WHERE id = $1 AND status = 'QUEUED' AND next_run_time = $2`,
            [move.taskId, move.from, move.now],
          )
        : await this.query(
            `UPDATE ${t.task} SET next_run_time = $3, updated_at = $4, attempt = CASE WHEN $5::boolean THEN 0 ELSE attempt END
              WHERE id = $1 AND status = 'QUEUED' AND next_run_time = $2`,
            [move.taskId, move.from, move.to, move.now, move.resetAttempt],
          );
    return rowCount > 0;
  }

  /**
   * One prune batch: a scan of the primary key from `afterId` on picks the rows, and the DELETE
   * finds them by `id = ANY (ARRAY(...))`. Until VACUUM removes them, the deleted rows' entries stay
   * in the primary key, and three things would walk past all of them in every batch, making a
   * prune of millions of rows quadratic (docs/performance.md, "Run history prune"):
   * - a scan from the key's start (hence the `afterId` cursor);
   * - the planner costing an `id IN (subquery)` join, which reads the key's actual lowest value
   *   (hence no join);
   * - the planner estimating `id > constant` for a constant in the statistics' first bucket,
   *   which reads it too (hence `(SELECT $4::int)`: a value the planner cannot see).
   */
  async pruneBatch(kind: 'runs' | 'tasks', filter: PruneFilter, limit: number): Promise<PrunedBatch> {
    const { t } = this;
    const flow = { task: t.task, run: t.run, ...flowTables(t.task) };
    const { rows } = await this.query<{ deleted: number; last: string | null }>(
      kind === 'runs'
        ? `WITH gone AS (DELETE FROM ${t.run} WHERE id = ANY (ARRAY(
             SELECT id FROM ${t.run} WHERE id > (SELECT $4::int) AND start_time < $1 AND status = ANY($2::text[]) AND status <> 'RUNNING'
              ORDER BY id LIMIT $3)) RETURNING id)
           SELECT COUNT(*)::int AS deleted, MAX(id) AS last FROM gone`
        : // Dependency edges go with the tasks, and so do batches left without a task (one snapshot: the
          // batch check discounts the tasks this statement deletes). A task another still waits for stays.
          `WITH gone AS (DELETE FROM ${t.task} WHERE id = ANY (ARRAY(
             SELECT tk.id FROM ${t.task} AS tk
              WHERE tk.id > (SELECT $4::int) AND tk.updated_at < $1 AND tk.status = ANY($2::text[]) AND tk.status NOT IN ('QUEUED', 'RUNNING')
                AND tk.schedule IS NULL AND tk.uuid NOT LIKE '${SCHEDULED_TASK_UUID_LIKE}' AND ${noWaitingDependents(flow, 'tk')}
              ORDER BY tk.id LIMIT $3)) RETURNING id, batch_id),
           edges AS (DELETE FROM ${flow.dependency} WHERE task_id IN (SELECT id FROM gone) OR depends_on IN (SELECT id FROM gone)),
           batches AS (DELETE FROM ${flow.batch} b WHERE b.id IN (SELECT batch_id FROM gone)
              AND NOT EXISTS (SELECT 1 FROM ${t.task} x WHERE x.batch_id = b.id AND x.id NOT IN (SELECT id FROM gone)))
           SELECT COUNT(*)::int AS deleted, MAX(id) AS last FROM gone`,
      [filter.before, [...filter.statuses], limit, filter.afterId ?? 0],
    );
    return { deleted: rows[0].deleted, lastId: rows[0].last === null ? 0 : num(rows[0].last) };
  }
}
