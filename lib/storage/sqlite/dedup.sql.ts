import type { DedupStep } from '../dedup-flow.js';
import type { DedupRequest, NewTask } from '../engine.js';

/**
 * The steps of `enqueueUnique` on SQLite (the flow: lib/storage/dedup-flow.ts), `{task}` standing
 * for the task table. SQLite runs one writer at a time: the engine runs the whole flow in one
 * `BEGIN IMMEDIATE` transaction; in the caller's transaction the insert comes first, so the
 * write lock is taken before anything is read. `ON CONFLICT DO NOTHING` without a target skips on
 * the uuid index and on the partial (job, dedup_key) index alike.
 */
export const DEDUP_SQL: Record<DedupStep['kind'], string> = {
  insert: `INSERT INTO {task} ("uuid", "job_name", "payload", "status", "group_name", "priority", "next_run_time",
      "stop_time", "timeout_ms", "retries", "attempt", "times_run", "times_failed", "repeats", "schedule", "run_as",
      "queued_by", "stop_requested", "created_at", "updated_at", "trace_context", "dedup_key", "dedup_until")
    VALUES (?, ?, ?, 'QUEUED', ?, ?, ?, ?, ?, ?, 0, 0, 0, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?)
    ON CONFLICT DO NOTHING RETURNING "id"`,
  holder: `SELECT "id", "uuid", "job_name", "payload", "run_as", "dedup_until" > ? AS "live"
    FROM {task} WHERE "job_name" = ? AND "dedup_key" = ?`,
  byUuid: `SELECT "id", "uuid", "job_name", "payload", "run_as" FROM {task} WHERE "uuid" = ?`,
  extend: `UPDATE {task} SET "dedup_until" = ? WHERE "id" = ? AND "dedup_key" = ? AND "dedup_until" > ? RETURNING "id"`,
  replace: `UPDATE {task} SET "payload" = ?, "next_run_time" = ?, "stop_time" = ?, "updated_at" = ?
    WHERE "id" = ? AND "dedup_key" = ? AND "status" = 'QUEUED' AND "dedup_until" > ? RETURNING "id"`,
  free: `UPDATE {task} SET "dedup_key" = NULL WHERE "id" = ? AND "dedup_key" = ? AND "dedup_until" <= ? RETURNING "id"`,
};

/** The values of a step; `now` is the enqueue's instant (SQLite's clock is the process's). */
export function dedupParams(step: DedupStep, task: NewTask, dedup: DedupRequest, now: number): unknown[] {
  switch (step.kind) {
    case 'insert':
      return [
        task.uuid,
        task.jobName,
        task.payload,
        task.group,
        task.priority,
        task.nextRunTime ?? now,
        task.stopTime,
        task.timeoutMs,
        task.retries,
        task.repeats,
        task.schedule,
        task.runAs,
        task.queuedBy,
        now,
        now,
        task.traceContext ?? null,
        dedup.key,
        now + dedup.windowMs,
      ];
    case 'holder':
      return [now, task.jobName, dedup.key];
    case 'byUuid':
      return [task.uuid];
    case 'extend':
      return [now + dedup.windowMs, step.id, dedup.key, now];
    case 'replace':
      return [task.payload, task.nextRunTime ?? now, task.stopTime, now, step.id, dedup.key, now];
    case 'free':
      return [step.id, dedup.key, now];
  }
}
