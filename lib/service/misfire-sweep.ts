import { In, type DataSource } from 'typeorm';
import { Task } from '../entities/index.js';
import type { RegisteredJob } from '../registry/registered-job.js';
import { staleSlotAdjustment } from '../schedule/misfire.js';
import type { NormalizedSchedule } from '../schedule/schedule.types.js';
import { scheduledTaskUuid } from '../scheduled-task-uuid.js';
import type { StorageEngine } from '../storage/engine.js';

/**
 * Apply each recurring job's misfire policy to slots missed while no worker ran (see
 * `staleSlotAdjustment`). Runs when a worker starts, before it claims anything, and from the
 * testing helpers after the clock moved. Each move is conditional on the task still waiting for
 * the same slot, so a concurrent claim simply wins. Returns how many tasks were moved.
 */
export async function applyMisfirePolicies(
  dataSource: DataSource,
  engine: StorageEngine,
  jobs: RegisteredJob[],
  now: number,
): Promise<number> {
  const scheduled = jobs.filter((job) => job.schedule);
  if (scheduled.length === 0) return 0;
  const repo = dataSource.getRepository(Task);
  const rows = await repo.find({
    where: { uuid: In(scheduled.map((job) => scheduledTaskUuid(job.name))), status: 'QUEUED' },
  });
  let moved = 0;
  for (const row of rows) {
    if (!row.schedule || row.nextRunTime > now) continue;
    const schedule = JSON.parse(row.schedule) as NormalizedSchedule;
    const target = staleSlotAdjustment(schedule, row.nextRunTime, now);
    if (target === undefined) continue;
    // `null`: no slot left, the task is EXPIRED.
    if (await engine.moveSlot({ taskId: row.id, from: row.nextRunTime, to: target, resetAttempt: false, now })) moved++;
  }
  return moved;
}
