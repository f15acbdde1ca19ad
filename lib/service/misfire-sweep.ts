import { In, type DataSource } from 'typeorm';
import { Task } from '../entities/index.js';
import type { RegisteredJob } from '../registry/registered-job.js';
import { staleSlotAdjustment } from '../schedule/misfire.js';
import type { NormalizedSchedule } from '../schedule/schedule.types.js';
import { scheduledTaskUuid } from '../scheduled-task-uuid.js';
import type { SlotMove, StorageEngine } from '../storage/engine.js';
import { CHUNK, chunks, inFlight, WRITES_IN_FLIGHT } from './batching.js';

/**
 * Apply each recurring job's misfire policy to slots missed while no worker ran (see
 * `staleSlotAdjustment`). Runs when a worker starts, before it claims anything, and from the
 * testing helpers after the clock moved. Each move is conditional on the task still waiting for
 * the same slot, so a concurrent claim simply wins. Returns how many tasks were moved. The moves
 * are written a few at a time (`WRITES_IN_FLIGHT`): after a long stop every recurring task may
 * have a stale slot.
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
  const rows: Task[] = [];
  for (const some of chunks(scheduled, CHUNK)) {
    rows.push(
      ...(await repo.find({ where: { uuid: In(some.map((job) => scheduledTaskUuid(job.name))), status: 'QUEUED' } })),
    );
  }
  const moves: SlotMove[] = [];
  for (const row of rows) {
    if (!row.schedule || row.nextRunTime > now) continue;
    const schedule = JSON.parse(row.schedule) as NormalizedSchedule;
    const target = staleSlotAdjustment(schedule, row.nextRunTime, now);
    if (target === undefined) continue;
    // `null`: no slot left, the task is EXPIRED.
    moves.push({ taskId: row.id, from: row.nextRunTime, to: target, resetAttempt: false, now });
  }
  const moved = await inFlight(moves, WRITES_IN_FLIGHT, (move) => engine.moveSlot(move));
  return moved.filter(Boolean).length;
}
