import { In, type DataSource } from 'typeorm';
import { Task } from '../entities/index.js';
import type { RegisteredJob } from '../registry/registered-job.js';
import { nextRun } from '../schedule/next-run.js';
import type { NormalizedSchedule } from '../schedule/schedule.types.js';
import { scheduledTaskUuid } from '../scheduled-task-uuid.js';
import type { StorageEngine } from '../storage/engine.js';

/** A recurring job's task moved by {@link replanFromClock}. */
export interface Replanned {
  job: string;
  /** The stored next slot. */
  from: number;
  /** The first slot after the clock's now. */
  to: number;
}

/**
 * On a test clock, at start-up: move every queued recurring task to the first slot after `now`
 * (the slot a fresh database would hold) when its stored next slot is another one. A database
 * that already holds the definitions keeps the slots of an earlier run, whose clock was elsewhere:
 * ahead, `clock.advance()` would reach nothing; behind, a catch-up run would fire at once. A
 * downtime is still simulated by moving the clock of a running application (`drain()` applies
 * the misfire policies). Pending retries start over, as on a fresh database. Each move is
 * conditional on the task still waiting for the same slot. Never called on the system clock.
 */
export async function replanFromClock(
  dataSource: DataSource,
  engine: StorageEngine,
  jobs: RegisteredJob[],
  now: number,
): Promise<Replanned[]> {
  const scheduled = jobs.filter((job) => job.schedule);
  if (scheduled.length === 0) return [];
  const repo = dataSource.getRepository(Task);
  const rows = await repo.find({
    where: { uuid: In(scheduled.map((job) => scheduledTaskUuid(job.name))), status: 'QUEUED' },
  });
  const moved: Replanned[] = [];
  for (const row of rows) {
    if (!row.schedule) continue;
    const schedule = JSON.parse(row.schedule) as NormalizedSchedule;
    const first = nextRun(schedule, now, now);
    if (first === null || first === row.nextRunTime) continue; // no slot left: expiry handles it
    const done = await engine.moveSlot({ taskId: row.id, from: row.nextRunTime, to: first, resetAttempt: true, now });
    if (done) moved.push({ job: row.jobName, from: row.nextRunTime, to: first });
  }
  return moved;
}
