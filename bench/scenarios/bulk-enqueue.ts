import type { SystemName } from '../systems/system.js';

/** Rows per second of one system's bulk insert of `tasks` tasks (best of `repeats`). */
export interface BulkEnqueueFigure {
  system: SystemName;
  /** The call measured, e.g. `SchedulerService.enqueueMany`, `addJobs`, `insert`. */
  call: string;
  tasks: number;
  /** Seconds of the best run, and of every run. */
  seconds: number;
  runs: number[];
  rowsPerSec: number;
}

/** One system as the bulk-enqueue scenario drives it. */
export interface BulkEnqueuer {
  system: SystemName;
  call: string;
  /** Empty the system's tables. */
  reset(): Promise<void>;
  /** Insert tasks `{ n }` for n in 0 .. count - 1, in the chunks the system's API takes. */
  insert(count: number): Promise<void>;
  /** How many tasks are queued now (checked after each run). */
  queued(): Promise<number>;
}

/**
 * Bulk enqueue: `tasks` no-op tasks with a `{ n }` payload inserted from an idle system (no
 * worker running), timed from the first call to the last one's return; the best of `repeats`
 * runs, each on emptied tables. A run that did not leave exactly `tasks` queued tasks is a problem.
 */
export async function bulkEnqueue(
  system: BulkEnqueuer,
  tasks: number,
  repeats: number,
): Promise<{ figure: BulkEnqueueFigure; problems: string[] }> {
  const runs: number[] = [];
  const problems: string[] = [];
  for (let run = 0; run < repeats; run++) {
    await system.reset();
    const started = performance.now();
    await system.insert(tasks);
    runs.push((performance.now() - started) / 1000);
    const queued = await system.queued();
    if (queued !== tasks)
      problems.push(`${system.system} ${system.call}: ${queued} tasks queued after inserting ${tasks}`);
  }
  const seconds = Math.min(...runs);
  return {
    figure: { system: system.system, call: system.call, tasks, seconds, runs, rowsPerSec: tasks / seconds },
    problems,
  };
}
