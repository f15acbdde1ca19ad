import { notCompleted } from '../../entities/columns.js';

/**
 * Every statement the SQLite engine runs, in one place for review. `{task}`, `{run}`, `{job}`,
 * `{worker}` and `{group_rate}` are replaced by the (quoted) table names. Booleans are 0/1; times are epoch ms.
 */
export const SQLITE_SQL = {
  /** The claim index: partial, so finished history never slows the claim down. */
  dueIndex: `CREATE INDEX IF NOT EXISTS "kronos_task_due" ON {task} ("group_name", "priority" DESC, "next_run_time", "id") WHERE "status" = 'QUEUED'`,

  insertTask: `INSERT INTO {task} ("uuid", "job_name", "payload", "status", "group_name", "priority", "next_run_time",
      "stop_time", "timeout_ms", "retries", "attempt", "times_run", "times_failed", "repeats", "schedule", "run_as",
      "queued_by", "stop_requested", "created_at", "updated_at", "trace_context")
    VALUES (?, ?, ?, 'QUEUED', ?, ?, ?, ?, ?, ?, 0, 0, 0, ?, ?, ?, ?, 0, ?, ?, ?)
    ON CONFLICT ("uuid") DO NOTHING RETURNING "id"`,

  /** The task holding a uuid an insert skipped, with what it was queued with (idempotency conflicts). */
  taskByUuid: `SELECT "id", "job_name", "payload", "run_as" FROM {task} WHERE "uuid" = ?`,

  /**
   * One statement moves a batch to RUNNING. SQLite serialises writers, so no row locks are
   * needed: the sub-select and the update see the same snapshot inside the statement.
   */
  claim: `UPDATE {task} SET "status" = 'RUNNING', "assigned_worker" = @worker, "claim_token" = @token,
      "claimed_at" = @now, "attempt" = "attempt" + 1, "progress" = NULL, "progress_message" = NULL,
      "output" = NULL, "stop_requested" = 0, "updated_at" = @now
    WHERE "id" IN (
      SELECT t."id" FROM {task} t
      WHERE t."status" = 'QUEUED' AND t."next_run_time" <= @now
        AND (t."stop_time" IS NULL OR t."stop_time" > @now)
        AND t."group_name" IN (SELECT value FROM json_each(@groups))
        AND t."job_name" IN (SELECT value FROM json_each(@jobs))
        AND NOT EXISTS (SELECT 1 FROM {job} j WHERE j."name" = t."job_name" AND (j."active" = 0 OR j."missing" = 1))
      ORDER BY t."priority" DESC, t."next_run_time", t."id"
      LIMIT @limit)
    RETURNING "id", "uuid", "job_name", "payload", "group_name", "priority", "timeout_ms", "retries", "attempt",
      "times_run", "times_failed", "repeats", "schedule", "next_run_time", "run_as", "claim_token", "trace_context"`,

  runningOfJob: `SELECT COUNT(*) AS n FROM {task} WHERE "job_name" = ? AND "status" = 'RUNNING'`,

  /** A rate-limited job's window and count (read and written under the claim's write lock). */
  rateOfJob: `SELECT "rate_window", "rate_count" FROM {job} WHERE "name" = ?`,
  saveRate: `UPDATE {job} SET "rate_window" = ?, "rate_count" = ? WHERE "name" = ?`,

  /** A rate-limited group's window and count (under the claim's write lock; the row is made on first use). */
  createGroupRate: `INSERT OR IGNORE INTO {group_rate} ("name", "rate_count") VALUES (?, 0)`,
  rateOfGroup: `SELECT "rate_window", "rate_count" FROM {group_rate} WHERE "name" = ?`,
  saveGroupRate: `UPDATE {group_rate} SET "rate_window" = ?, "rate_count" = ? WHERE "name" = ?`,

  completeTask: `UPDATE {task} SET "status" = @status,
      "next_run_time" = CASE WHEN @status = 'QUEUED' THEN COALESCE(@nextRunTime, @now + @delayMs) ELSE "next_run_time" END,
      "attempt" = @nextAttempt, "times_run" = @timesRun, "times_failed" = @timesFailed, "last_run_time" = @stopTime,
      "assigned_worker" = NULL, "claim_token" = NULL, "claimed_at" = NULL, "progress" = NULL,
      "progress_message" = NULL, "output" = NULL, "stop_requested" = 0, "updated_at" = @now
    WHERE "id" = @taskId AND "claim_token" = @claimToken
    RETURNING "flow"`,

  /** `removeOnComplete`: the completed task's row goes, unless a dedup window, dependencies or a batch need it. */
  removeTask: `DELETE FROM {task}
    WHERE "id" = @taskId AND "claim_token" = @claimToken AND "flow" = 0 AND "dedup_key" IS NULL
    RETURNING "flow"`,

  insertRun: `INSERT INTO {run} ("task_id", "job_name", "status", "worker", "attempt", "scheduled_for", "start_time",
      "stop_time", "duration_ms", "result", "message", "output", "traceback", "run_as")
    VALUES (@taskId, @jobName, @runStatus, @worker, @attempt, @scheduledFor, @startTime, @stopTime, @durationMs,
      @result, @message, @output, @traceback, @runAs)`,

  saveProgress: `UPDATE {task} SET "progress" = @progress, "progress_message" = @progressMessage, "output" = @output,
      "updated_at" = @now WHERE "id" = @taskId AND "claim_token" = @claimToken AND "status" = 'RUNNING'`,

  stopRequests: `SELECT "id" FROM {task} WHERE "assigned_worker" = ? AND "status" = 'RUNNING' AND "stop_requested" = 1`,

  heartbeat: `INSERT INTO {worker} ("name", "hostname", "pid", "groups", "status", "first_heartbeat", "last_heartbeat",
      "running", "completed", "failed")
    VALUES (@name, @hostname, @pid, @groups, 'ACTIVE', @now, @now, @running, @completed, @failed)
    ON CONFLICT ("name") DO UPDATE SET "last_heartbeat" = @now, "running" = @running, "completed" = @completed,
      "failed" = @failed, "groups" = @groups, "hostname" = @hostname, "pid" = @pid
    RETURNING "status"`,

  removeWorker: `DELETE FROM {worker} WHERE "name" = ?`,

  /** RUNNING tasks whose worker is gone or silent. */
  orphans: `SELECT t."id", t."uuid", t."job_name", t."assigned_worker", t."attempt", t."retries", t."schedule", t."claimed_at",
      t."next_run_time", t."output", t."run_as", t."payload"
    FROM {task} t LEFT JOIN {worker} w ON w."name" = t."assigned_worker"
    WHERE t."status" = 'RUNNING' AND ${notCompleted('t."status"')} -- the partial status index's condition
      AND ((w."name" IS NULL AND t."claimed_at" < @deadline) OR w."last_heartbeat" < @deadline)`,

  rescueTask: `UPDATE {task} SET "status" = @status, "next_run_time" = CASE WHEN @status = 'QUEUED' THEN @now ELSE "next_run_time" END,
      "attempt" = @attempt, "times_failed" = "times_failed" + 1, "assigned_worker" = NULL, "claim_token" = NULL,
      "claimed_at" = NULL, "progress" = NULL, "progress_message" = NULL, "output" = NULL, "updated_at" = @now
    WHERE "id" = @id AND "status" = 'RUNNING' AND "assigned_worker" = @worker`,

  lostRun: `INSERT INTO {run} ("task_id", "job_name", "status", "worker", "attempt", "scheduled_for", "start_time",
      "stop_time", "duration_ms", "message", "output", "run_as")
    VALUES (@id, @jobName, 'LOST', @worker, @attempt, @scheduledFor, @startTime, @now, @durationMs, @message, @output, @runAs)`,

  deleteDeadWorkers: `DELETE FROM {worker} WHERE "last_heartbeat" < @deadline
      AND NOT EXISTS (SELECT 1 FROM {task} t WHERE t."assigned_worker" = {worker}."name" AND t."status" = 'RUNNING')`,

  expire: `UPDATE {task} SET "status" = 'EXPIRED', "updated_at" = ? WHERE "status" = 'QUEUED'
      AND "stop_time" IS NOT NULL AND "stop_time" <= ?`,

  /** `expire`, returning what it expired (lifecycle events have listeners). */
  expireReporting: `UPDATE {task} SET "status" = 'EXPIRED', "updated_at" = ? WHERE "status" = 'QUEUED'
      AND "stop_time" IS NOT NULL AND "stop_time" <= ?
    RETURNING "id", "job_name", "attempt", "run_as"`,
  /** A task row, locked by the transaction's write lock, before `stopTask` changes it. */
  taskToStop: `SELECT "status", "job_name", "attempt", "run_as" FROM {task} WHERE "id" = ?`,
  stopQueued: `UPDATE {task} SET "status" = 'STOPPED', "updated_at" = @now WHERE "id" = @id AND "status" IN ('QUEUED', 'WAITING')`,
  requestStop: `UPDATE {task} SET "stop_requested" = 1, "updated_at" = @now WHERE "id" = @id AND "status" = 'RUNNING'`,

  /** The RUNNING tasks the database holds for a worker, as a claim returns them. */
  tasksHeldBy: `SELECT "id", "uuid", "job_name", "payload", "group_name", "priority", "timeout_ms", "retries", "attempt",
      "times_run", "times_failed", "repeats", "schedule", "next_run_time", "run_as", "claim_token", "trace_context"
    FROM {task} WHERE "assigned_worker" = ? AND "status" = 'RUNNING' AND ${notCompleted('"status"')}
      AND "claim_token" IS NOT NULL AND "claimed_at" IS NOT NULL ORDER BY "id"`,

  leaseTokens: `SELECT "id", "claim_token" FROM {task} WHERE "id" IN (SELECT value FROM json_each(?))`,

  commandWorkers: `UPDATE {worker} SET "status" = ? WHERE "name" IN (SELECT value FROM json_each(?))`,

  addDefinition: `INSERT INTO {job} ("name", "kind", "schedule", "schedule_normalized", "timezone", "schedule_set_by", "active",
      "active_set_by", "description", "timeout_ms", "retries", "group_name", "priority", "kwargs", "source", "missing",
      "first_seen", "last_seen", "updated_at")
    VALUES (@name, @kind, @schedule, @scheduleNormalized, @timezone, 'code', @active, 'code', @description, @timeoutMs,
      @retries, @group, @priority, @kwargs, @source, 0, @now, @now, @now)
    ON CONFLICT ("name") DO NOTHING`,

  /** The admin-owned columns (schedule, active) are written only where the code still owns them. */
  updateDefinition: `UPDATE {job} SET "kind" = @kind, "description" = @description, "timeout_ms" = @timeoutMs,
      "retries" = @retries, "group_name" = @group, "priority" = @priority, "kwargs" = @kwargs, "source" = @source,
      "missing" = 0, "last_seen" = @now, "updated_at" = CASE WHEN @changed THEN @now ELSE "updated_at" END,
      "schedule" = CASE WHEN "schedule_set_by" = 'code' THEN @schedule ELSE "schedule" END,
      "schedule_normalized" = CASE WHEN "schedule_set_by" = 'code' THEN @scheduleNormalized ELSE "schedule_normalized" END,
      "timezone" = CASE WHEN "schedule_set_by" = 'code' THEN @timezone ELSE "timezone" END,
      "active" = CASE WHEN "active_set_by" = 'code' THEN @active ELSE "active" END
    WHERE "name" = @name`,

  markDefinitionMissing: `UPDATE {job} SET "missing" = 1, "updated_at" = ? WHERE "name" = ?`,

  setDefinitionActive: `UPDATE {job} SET "active" = ?, "active_set_by" = 'admin', "updated_at" = ? WHERE "name" = ?`,

  setDefinitionSchedule: `UPDATE {job} SET "schedule" = @schedule, "schedule_normalized" = @scheduleNormalized,
      "timezone" = @timezone, "schedule_set_by" = @setBy, "updated_at" = @now WHERE "name" = @name`,

  scheduleTask: `UPDATE {task} SET "schedule" = @schedule, "repeats" = @repeats, "stop_time" = @stopTime, "updated_at" = @now
    WHERE "uuid" = @uuid`,

  /** `scheduleTask` for a changed definition: its payload, group, priority, retries and user move too. */
  scheduleTaskWithFields: `UPDATE {task} SET "schedule" = @schedule, "repeats" = @repeats, "stop_time" = @stopTime,
      "updated_at" = @now, "payload" = @payload, "group_name" = @group, "priority" = @priority, "retries" = @retries,
      "run_as" = @runAs
    WHERE "uuid" = @uuid`,

  /** A running attempt keeps its lease; it re-queues itself on the new schedule when it ends. */
  moveToFirstSlot: `UPDATE {task} SET "next_run_time" = @nextRunTime, "status" = 'QUEUED', "attempt" = 0
    WHERE "uuid" = @uuid AND "status" <> 'RUNNING'`,

  moveSlot: `UPDATE {task} SET "next_run_time" = @to, "updated_at" = @now,
      "attempt" = CASE WHEN @resetAttempt THEN 0 ELSE "attempt" END
    WHERE "id" = @taskId AND "status" = 'QUEUED' AND "next_run_time" = @from`,

  expireSlot: `UPDATE {task} SET "status" = 'EXPIRED', "updated_at" = @now
    WHERE "id" = @taskId AND "status" = 'QUEUED' AND "next_run_time" = @from`,

  pruneRuns: `DELETE FROM {run} WHERE "id" IN (SELECT "id" FROM {run}
      WHERE "id" > @afterId AND "start_time" < @before AND "status" IN (SELECT value FROM json_each(@statuses)) AND "status" <> 'RUNNING' ORDER BY "id" LIMIT @limit)
    RETURNING "id"`,
} as const;

export type SqliteStatement = keyof typeof SQLITE_SQL;
