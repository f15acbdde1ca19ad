import type { DataSource } from 'typeorm';
import { JobDefinition, Run, Task } from '../entities/index.js';
import type { JobRegistry } from '../registry/job-registry.js';
import { scheduledTaskUuidSql } from '../scheduled-task-uuid.js';
import { describeSchedule } from '../schedule/describe-schedule.js';
import type { NormalizedSchedule, ScheduleSpec } from '../schedule/schedule.types.js';
import type { RunStatus, TaskStatus } from '../types.js';
import type { JobInfo } from './views.js';

/**
 * Reads of job definitions for `SchedulerService`, the dashboard and the CLI (`list`, `status`,
 * `export-ini`, `import-ini`): one implementation each, read-only. Changes to definitions go
 * through the storage engine.
 */

/** Every stored job definition, by name. */
export function readDefinitions(dataSource: DataSource): Promise<JobDefinition[]> {
  return dataSource.getRepository(JobDefinition).find({ order: { name: 'ASC' } });
}

interface JobRow {
  d_name: string;
  task_status: TaskStatus | null;
  task_next_run_time: string | number | null;
  run_status: RunStatus | null;
  run_start_time: string | number | null;
  run_stop_time: string | number | null;
}

const num = (value: string | number | null): number | null => (value === null ? null : Number(value));

/**
 * Every stored job definition with its schedule in words, its recurring task's next slot and its
 * latest run, in one query whatever the number of jobs: each definition is joined to its task
 * row through the unique uuid index, and to its latest run through `kronos_run_job (job_name, id)`
 * (one index probe per job, however long the Activity log).
 */
export async function listJobs(dataSource: DataSource, registry: JobRegistry): Promise<JobInfo[]> {
  const type = dataSource.options.type;
  const dialect = type === 'mysql' || type === 'mariadb' ? 'mysql' : type === 'postgres' ? 'postgres' : 'sqlite';
  const qb = dataSource.getRepository(JobDefinition).createQueryBuilder('d');
  const latestRun = qb.subQuery().select('MAX(lr.id)').from(Run, 'lr').where('lr.jobName = d.name').getQuery();
  const { entities, raw } = await qb
    .leftJoin(Task, 't', `t.uuid = ${scheduledTaskUuidSql(dialect, 'd.name')}`)
    .leftJoin(Run, 'r', `r.id = ${latestRun}`)
    .addSelect('t.status', 'task_status')
    .addSelect('t.nextRunTime', 'task_next_run_time')
    .addSelect('r.status', 'run_status')
    .addSelect('r.startTime', 'run_start_time')
    .addSelect('r.stopTime', 'run_stop_time')
    .orderBy('d.name', 'ASC')
    .getRawAndEntities<JobRow>();
  const rows = new Map(raw.map((row) => [row.d_name, row]));
  return entities.map((d) => {
    const row = rows.get(d.name);
    const schedule = d.scheduleNormalized ? (JSON.parse(d.scheduleNormalized) as NormalizedSchedule) : null;
    const registered = registry.get(d.name);
    const taskStatus = row?.task_status ?? null;
    const runStart = num(row?.run_start_time ?? null);
    return {
      name: d.name,
      kind: d.kind,
      description: d.description,
      group: d.group,
      active: d.active,
      missing: d.missing,
      source: d.source === 'ini' ? 'ini' : 'code',
      schedule,
      scheduleDescription: schedule
        ? describeSchedule(schedule, d.schedule ? (JSON.parse(d.schedule) as ScheduleSpec) : undefined)
        : null,
      timezone: d.timezone,
      nextRunTime: taskStatus === 'QUEUED' ? num(row!.task_next_run_time) : null,
      nextRunStatus: taskStatus,
      lastRun:
        row?.run_status && runStart !== null
          ? { status: row.run_status, startTime: runStart, stopTime: num(row.run_stop_time) }
          : null,
      sensitive: registered?.sensitive ?? [],
      timeout: registered ? { ms: registered.timeoutMs, from: registered.timeoutFrom } : null,
    };
  });
}
