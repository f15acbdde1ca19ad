import { In, type DataSource } from 'typeorm';
import { JobDefinition, Task } from '../entities/index.js';
import type { RegisteredJob } from '../registry/registered-job.js';
import { nextRun } from '../schedule/next-run.js';
import type { NormalizedSchedule } from '../schedule/schedule.types.js';
import { scheduledTaskUuid } from '../scheduled-task-uuid.js';
import { CHUNK, chunks, inFlight, WRITES_IN_FLIGHT } from './batching.js';
import type { DefinitionSpec, NewTask, ScheduleMove, StorageEngine } from '../storage/engine.js';

/** What a sync changed, for logs and the `kronos discover` command. */
export interface SyncReport {
  added: string[];
  changed: string[];
  missing: string[];
}

export interface SyncOptions {
  /**
   * This process loaded a `configFile`: it is then the authority on `scheduler.ini` jobs, and
   * stored ones it no longer has are flagged missing like jobs gone from the code.
   */
  configFileLoaded?: boolean;
}

function definitionFields(job: RegisteredJob): DefinitionSpec {
  return {
    name: job.name,
    kind: job.kind,
    schedule: job.scheduleSpec ? JSON.stringify(job.scheduleSpec) : null,
    scheduleNormalized: job.schedule ? JSON.stringify(job.schedule) : null,
    timezone: job.schedule?.kind === 'cron' ? job.schedule.timezone : null,
    description: job.description,
    timeoutMs: job.timeoutMs,
    retries: job.retries,
    group: job.group,
    priority: job.priority,
    kwargs: job.payload ? JSON.stringify(job.payload) : null,
    source: job.ini ? 'ini' : 'code',
    active: job.active,
  };
}

/**
 * Make the `kronos_job` rows match the code (and the `scheduler.ini` sections, stored with
 * `source: 'ini'`): new definitions inserted, changed ones updated,
 * the admin's `active` choice kept, definitions no longer in code flagged `missing` (kept, never
 * run). Safe when several processes start at once (insert-or-ignore, then update).
 *
 * A definition the stored row already matches is not written at all (its `last_seen` then keeps
 * the last start that wrote it): a restart of an application with 10,000 unchanged definitions
 * reads them and writes nothing. New and changed ones are written a few at a time
 * (`WRITES_IN_FLIGHT`), so their commits share the database's flushes.
 */
export async function syncDefinitions(
  dataSource: DataSource,
  engine: StorageEngine,
  jobs: RegisteredJob[],
  now: number,
  options: SyncOptions = {},
): Promise<SyncReport> {
  const report: SyncReport = { added: [], changed: [], missing: [] };
  const existing = new Map((await dataSource.getRepository(JobDefinition).find()).map((row) => [row.name, row]));
  const fresh: DefinitionSpec[] = [];
  const updates: { fields: DefinitionSpec; changed: boolean }[] = [];
  for (const job of jobs) {
    const fields = definitionFields(job);
    const row = existing.get(job.name);
    if (!row) {
      fresh.push(fields);
      continue;
    }
    // What an admin set (the active toggle, a reschedule) wins over the code. The engine writes
    // those columns only where the admin has not taken them over, checked in the statement, so a
    // toggle committed by another process while this one starts is never overwritten.
    const { name: _name, active: _active, schedule, scheduleNormalized, timezone, ...rest } = fields;
    const scheduleChanged =
      row.scheduleSetBy === 'code' &&
      (row.schedule !== schedule || row.scheduleNormalized !== scheduleNormalized || row.timezone !== timezone);
    const changed =
      scheduleChanged ||
      (Object.keys(rest) as (keyof typeof rest)[]).some((key) => row[key] !== rest[key]) ||
      row.missing;
    if (changed) report.changed.push(job.name);
    // The code's `active` applies while no admin has set it; it is not part of `changed`.
    const activeMoves = row.activeSetBy === 'code' && row.active !== fields.active;
    if (changed || activeMoves) updates.push({ fields, changed });
  }
  const added = await inFlight(fresh, WRITES_IN_FLIGHT, (fields) => engine.addDefinition(fields, now));
  fresh.forEach((fields, n) => added[n] && report.added.push(fields.name));
  await inFlight(updates, WRITES_IN_FLIGHT, (u) => engine.updateDefinition(u.fields, now, u.changed));
  const inCode = new Set(jobs.map((job) => job.name));
  for (const row of existing.values()) {
    const authoritative = row.source === 'code' || (row.source === 'ini' && options.configFileLoaded);
    if (authoritative && !inCode.has(row.name) && !row.missing) {
      await engine.markDefinitionMissing(row.name, now);
      report.missing.push(row.name);
    }
  }
  return report;
}

/**
 * Ensure each recurring job has its task row (inserted once, by uuid, whatever the number of
 * processes starting), and move it to the new schedule when the schedule changed. Missing rows
 * are inserted with the engine's batch enqueue, `CHUNK` per statement, in uuid order (two
 * processes inserting the same rows take their unique-index entries in the same order).
 */
export async function ensureScheduledTasks(
  dataSource: DataSource,
  engine: StorageEngine,
  jobs: RegisteredJob[],
  now: number,
): Promise<void> {
  const scheduled = jobs.filter((job) => job.schedule);
  if (scheduled.length === 0) return;
  const overrides = await adminSchedules(
    dataSource,
    scheduled.map((job) => job.name),
  );
  const repo = dataSource.getRepository(Task);
  const byUuid = new Map<string, Task>();
  for (const names of chunks(scheduled, CHUNK)) {
    const rows = await repo.find({ where: { uuid: In(names.map((job) => scheduledTaskUuid(job.name))) } });
    for (const row of rows) byUuid.set(row.uuid, row);
  }
  const missing: NewTask[] = [];
  const moves: Parameters<StorageEngine['moveSchedule']>[0][] = [];
  for (const job of scheduled) {
    const schedule = overrides.get(job.name) ?? job.schedule!;
    const json = JSON.stringify(schedule);
    const first = nextRun(schedule, now, now);
    const row = byUuid.get(scheduledTaskUuid(job.name));
    if (!row && first === null) continue; // no slot left (stopAt passed): nothing to run
    if (!row) {
      missing.push({
        uuid: scheduledTaskUuid(job.name),
        jobName: job.name,
        payload: job.payload ? JSON.stringify(job.payload) : null,
        group: job.group,
        priority: job.priority,
        nextRunTime: first,
        stopTime: schedule.limits.stopAt,
        timeoutMs: null,
        retries: job.retries,
        runAs: job.runAs,
        queuedBy: null,
        schedule: json,
        repeats: schedule.limits.repeats,
      });
      continue;
    }
    const payload = job.payload ? JSON.stringify(job.payload) : null;
    const same = row.schedule === json && row.group === job.group && row.runAs === job.runAs;
    // A scheduler.ini section edited only in its keyword arguments, priority or retries moves too.
    if (same && row.payload === payload && row.priority === job.priority && row.retries === job.retries) continue;
    moves.push({
      ...scheduleMove(job.name, schedule, now),
      task: { payload, group: job.group, priority: job.priority, retries: job.retries, runAs: job.runAs },
      // A running attempt keeps its lease; it re-queues itself on the new schedule when it ends.
      nextRunTime: row.schedule !== json ? first : null,
    });
  }
  missing.sort((a, b) => (a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0));
  for (const tasks of chunks(missing, CHUNK)) await engine.enqueue(tasks);
  await inFlight(moves, WRITES_IN_FLIGHT, (move) => engine.moveSchedule(move));
}

/** Schedules an admin set with `reschedule()`, by job name. */
async function adminSchedules(dataSource: DataSource, names: string[]): Promise<Map<string, NormalizedSchedule>> {
  const rows: JobDefinition[] = [];
  for (const some of chunks(names, CHUNK)) {
    rows.push(
      ...(await dataSource.getRepository(JobDefinition).find({ where: { name: In(some), scheduleSetBy: 'admin' } })),
    );
  }
  return new Map(
    rows.filter((row) => row.scheduleNormalized).map((row) => [row.name, JSON.parse(row.scheduleNormalized!)]),
  );
}

/**
 * Moving a recurring job's task row to `schedule`: the next slot from `now`, unless it is running
 * (the running attempt re-queues itself on the new schedule when it ends). For `moveSchedule`.
 */
export function scheduleMove(jobName: string, schedule: NormalizedSchedule, now: number): ScheduleMove {
  return {
    uuid: scheduledTaskUuid(jobName),
    schedule: JSON.stringify(schedule),
    repeats: schedule.limits.repeats,
    stopTime: schedule.limits.stopAt,
    nextRunTime: nextRun(schedule, now, now),
    now,
  };
}
