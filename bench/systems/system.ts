/** One queue system as the benchmark drives it from outside the worker processes. */
export type SystemName = 'kronos' | 'graphile-worker' | 'pg-boss';

/** A configuration of a system: which worker process to start and what to tell it. */
export interface Configuration {
  system: SystemName;
  /** `defaults`, `tuned`, or a database name for Kronos on SQLite/MariaDB. */
  name: string;
  /** One line on what is set, for the report. */
  description: string;
  /** Worker entry point name (`bench/workers/<name>.worker.ts`). */
  worker: string;
  /** Handed to the worker process. */
  settings: Record<string, any>;
  /** Started through the `kronos worker` command with these Node.js flags, not its worker entry point. */
  cli?: { nodeFlags: readonly string[] };
}

/** Enqueues one task at a time, as an application would. */
export interface Producer {
  enqueue(n: number): Promise<void>;
  close(): Promise<void>;
}

export interface Backend {
  readonly system: SystemName;
  /** Empty the system's tables (history included) before a run of `config`. */
  reset(config: Configuration): Promise<void>;
  /** Enqueue tasks numbered `0 .. count - 1` in bulk, before the worker starts. */
  enqueueBulk(count: number): Promise<void>;
  producer(config: Configuration): Promise<Producer>;
  /** True once every enqueued task is finished and recorded. */
  drained(): Promise<boolean>;
  /** Tasks recorded as finished successfully. */
  completed(): Promise<number>;
  /** What the database says is wrong after `count` tasks were drained (empty when all is well). */
  verify(count: number): Promise<string[]>;
  close(): Promise<void>;
}

/** Bulk inserts go in chunks so one statement never carries an unreasonable parameter list. */
export async function inChunks(
  count: number,
  size: number,
  insert: (from: number, to: number) => Promise<void>,
): Promise<void> {
  for (let from = 0; from < count; from += size) await insert(from, Math.min(count, from + size));
}
