import type { WorkerStatus } from '../../entities/worker.entity.js';
import { flowTables } from '../../migrations/flow-tables.js';
import { SCHEDULED_TASK_UUID_LIKE } from '../../scheduled-task-uuid.js';
import { deleteDependencies, deleteEmptyBatches, noWaitingDependents } from '../bulk-tasks.js';
import type { TaskStatus } from '../../types.js';
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
import type { MysqlConnections } from './connection.js';
import { num, type MysqlTables } from './sql.js';

/**
 * The engine's statements off the hot path: stopping a task, schedule and slot moves, worker
 * commands, job definitions, pruning and the lease checks of a worker.
 *
 * Lock order as everywhere else (docs/architecture.md, "Claiming and fencing"): a statement that
 * changes task rows reaches them by primary key, after a plain read where it has to search (a
 * schedule move finds its task by uuid first); a job definition is locked before its tasks, as
 * the claim of a job with a concurrency limit does.
 */
export class MysqlAdmin {
  constructor(
    private readonly db: MysqlConnections,
    private readonly t: MysqlTables,
  ) {}

  /** Lock the task row by primary key, then stop it (QUEUED) or ask its worker to (RUNNING). */
  stopTask(taskId: number, now: number, stopped?: StoppedTask[]): Promise<TaskStatus | null> {
    const { t } = this;
    return this.db.transaction(async (session) => {
      const [task] = await session.rows(
        `SELECT status, job_name, attempt, run_as FROM ${t.task} WHERE id = ? FOR UPDATE`,
        [taskId],
      );
      if (!task) return null;
      const status = task.status as TaskStatus;
      if (status === 'QUEUED' || status === 'WAITING') {
        await session.write(`UPDATE ${t.task} SET status = 'STOPPED', updated_at = ? WHERE id = ?`, [now, taskId]);
        stopped?.push({
          taskId,
          jobName: String(task.job_name),
          attempt: num(task.attempt),
          runAs: task.run_as as string | null,
          at: now,
        });
        return 'STOPPED';
      }
      if (status === 'RUNNING')
        await session.write(`UPDATE ${t.task} SET stop_requested = 1, updated_at = ? WHERE id = ?`, [now, taskId]);
      return status;
    });
  }

  async tasksHeldBy(worker: string): Promise<ClaimedTask[]> {
    const rows = await this.db.autocommit((session) =>
      session.rows(
        `SELECT id, uuid, job_name, payload, group_name, priority, timeout_ms, retries, attempt, times_run, times_failed,
                repeats, schedule, next_run_time, run_as, claim_token, trace_context
           FROM ${this.t.task}
          WHERE assigned_worker = ? AND status = 'RUNNING' AND claim_token IS NOT NULL AND claimed_at IS NOT NULL
          ORDER BY id`,
        [worker],
      ),
    );
    return rows.map((row) => claimedTaskFromRow(row));
  }

  async leaseTokens(taskIds: number[]): Promise<Map<number, string | null>> {
    if (taskIds.length === 0) return new Map();
    const rows = await this.db.autocommit((session) =>
      session.rows(`SELECT id, claim_token FROM ${this.t.task} WHERE id IN (?)`, [taskIds]),
    );
    return new Map(rows.map((row) => [num(row.id), row.claim_token as string | null]));
  }

  async commandWorkers(names: string[], status: WorkerStatus): Promise<void> {
    if (names.length === 0) return;
    await this.db.autocommit((session) =>
      session.write(`UPDATE ${this.t.worker} SET status = ? WHERE name IN (?)`, [status, names]),
    );
  }

  async addDefinition(d: DefinitionSpec, now: number): Promise<boolean> {
    const { affectedRows } = await this.db.autocommit((session) =>
      session.write(
        `INSERT IGNORE INTO ${this.t.job} (name, kind, schedule, schedule_normalized, timezone, schedule_set_by, active,
                                           active_set_by, description, timeout_ms, retries, group_name, priority, kwargs,
                                           source, missing, first_seen, last_seen, updated_at)
         VALUES (?, ?, ?, ?, ?, 'code', ?, 'code', ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)`,
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
          now,
          now,
        ],
      ),
    );
    return affectedRows > 0;
  }

  /** One statement: the admin-owned columns are checked on the row it locks. */
  async updateDefinition(d: DefinitionSpec, now: number, changed: boolean): Promise<void> {
    await this.db.autocommit((session) =>
      session.write(
        `UPDATE ${this.t.job}
            SET kind = ?, description = ?, timeout_ms = ?, retries = ?, group_name = ?, priority = ?, kwargs = ?,
                source = ?, missing = 0, last_seen = ?, updated_at = IF(?, ?, updated_at),
                schedule = IF(schedule_set_by = 'code', ?, schedule),
                schedule_normalized = IF(schedule_set_by = 'code', ?, schedule_normalized),
                timezone = IF(schedule_set_by = 'code', ?, timezone),
                active = IF(active_set_by = 'code', ?, active)
          WHERE name = ?`,
        [
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
          now,
          d.schedule,
          d.scheduleNormalized,
          d.timezone,
          d.active,
          d.name,
        ],
      ),
    );
  }

  async markDefinitionMissing(name: string, now: number): Promise<void> {
    await this.db.autocommit((session) =>
      session.write(`UPDATE ${this.t.job} SET missing = 1, updated_at = ? WHERE name = ?`, [now, name]),
    );
  }

  async setDefinitionActive(name: string, active: boolean, now: number): Promise<void> {
    await this.db.autocommit((session) =>
      session.write(`UPDATE ${this.t.job} SET active = ?, active_set_by = 'admin', updated_at = ? WHERE name = ?`, [
        active,
        now,
        name,
      ]),
    );
  }

  async moveSchedule(move: ScheduleMove, definition?: DefinitionSchedule): Promise<void> {
    const { t } = this;
    await this.db.transaction(async (session) => {
      if (definition) {
        await session.write(
          `UPDATE ${t.job} SET schedule = ?, schedule_normalized = ?, timezone = ?, schedule_set_by = ?, updated_at = ? WHERE name = ?`,
          [
            definition.schedule,
            definition.scheduleNormalized,
            definition.timezone,
            definition.setBy,
            move.now,
            definition.name,
          ],
        );
      }
      const [found] = await session.rows(`SELECT id FROM ${t.task} WHERE uuid = ?`, [move.uuid]); // a plain read: no lock on the uuid index
      if (!found) return;
      const id = num(found.id);
      const task = move.task;
      await session.write(
        task
          ? `UPDATE ${t.task} SET schedule = ?, repeats = ?, stop_time = ?, updated_at = ?,
                    payload = ?, group_name = ?, priority = ?, retries = ?, run_as = ? WHERE id = ?`
          : `UPDATE ${t.task} SET schedule = ?, repeats = ?, stop_time = ?, updated_at = ? WHERE id = ?`,
        [
          move.schedule,
          move.repeats,
          move.stopTime,
          move.now,
          ...(task ? [task.payload, task.group, task.priority, task.retries, task.runAs] : []),
          id,
        ],
      );
      if (move.nextRunTime !== null) {
        await session.write(
          `UPDATE ${t.task} SET next_run_time = ?, status = 'QUEUED', attempt = 0 WHERE id = ? AND status <> 'RUNNING'`,
          [move.nextRunTime, id],
        );
      }
    });
  }

  async moveSlot(move: SlotMove): Promise<boolean> {
    const { t } = this;
    const { affectedRows } = await this.db.autocommit((session) =>
      move.to === null
        ? session.write(
            `UPDATE ${t.task} SET status = 'EXPIRED', updated_at = ? WHERE id = ? AND status = 'QUEUED' AND next_run_time = ?`,
            [move.now, move.taskId, move.from],
          )
        : session.write(
            `UPDATE ${t.task} SET next_run_time = ?, updated_at = ?, attempt = IF(?, 0, attempt)
              WHERE id = ? AND status = 'QUEUED' AND next_run_time = ?`,
            [move.to, move.now, move.resetAttempt, move.taskId, move.from],
          ),
    );
    return affectedRows > 0;
  }

  /**
   * Select a batch of ids with a plain read from `afterId` on, then delete them by primary key
   * (checking the filter again).
   */
  async pruneBatch(kind: 'runs' | 'tasks', filter: PruneFilter, limit: number): Promise<PrunedBatch> {
    const { t } = this;
    const statuses = [...filter.statuses];
    if (statuses.length === 0) return { deleted: 0, lastId: 0 };
    const where =
      kind === 'runs'
        ? `start_time < ? AND status IN (?) AND status <> 'RUNNING'`
        : `updated_at < ? AND status IN (?) AND status NOT IN ('QUEUED', 'RUNNING') AND schedule IS NULL AND uuid NOT LIKE '${SCHEDULED_TASK_UUID_LIKE}'`;
    const afterId = filter.afterId ?? 0;
    if (kind === 'tasks') return this.pruneTasks(where, [afterId, filter.before, statuses], limit);
    return this.db.autocommit(async (session) => {
      const rows = await session.rows(`SELECT id FROM ${t.run} WHERE id > ? AND ${where} ORDER BY id LIMIT ?`, [
        afterId,
        filter.before,
        statuses,
        limit,
      ]);
      if (rows.length === 0) return { deleted: 0, lastId: 0 };
      const ids = rows.map((row) => num(row.id));
      const { affectedRows } = await session.write(`DELETE FROM ${t.run} WHERE id IN (?) AND ${where}`, [
        ids,
        filter.before,
        statuses,
      ]);
      return { deleted: affectedRows, lastId: ids[ids.length - 1] };
    });
  }

  /**
   * Prune tasks with their dependency edges, and the batches left without a task, in one short
   * transaction. A task another still waits for stays (deleting it would leave that one waiting).
   */
  private pruneTasks(where: string, values: unknown[], limit: number): Promise<PrunedBatch> {
    const flow = { task: this.t.task, run: this.t.run, ...flowTables(this.t.task) };
    const waitedFor = noWaitingDependents(flow, this.t.task).replaceAll('"', '`');
    return this.db.transaction(async (session) => {
      const rows = await session.rows(
        `SELECT id, batch_id FROM ${this.t.task} WHERE id > ? AND ${where} AND ${waitedFor} ORDER BY id LIMIT ? FOR UPDATE`,
        [...values, limit],
      );
      if (rows.length === 0) return { deleted: 0, lastId: 0 };
      const gone = rows.map((row) => num(row.id));
      const { affectedRows } = await session.write(`DELETE FROM ${this.t.task} WHERE id IN (?)`, [gone]);
      await session.write(deleteDependencies(flow, '(?)').replaceAll('"', '`'), [gone, gone]);
      const batches = [...new Set(rows.filter((row) => row.batch_id !== null).map((row) => num(row.batch_id)))];
      if (batches.length > 0) await session.write(deleteEmptyBatches(flow, '(?)').replaceAll('"', '`'), [batches]);
      return { deleted: affectedRows, lastId: gone[gone.length - 1] };
    });
  }
}
