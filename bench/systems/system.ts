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

/** Enqueues tasks as an application would: one per call, or many per call through the bulk API. */
export interface Producer {
  enqueue(n: number): Promise<void>;
  /** One bulk call for tasks `ns` (Kronos `enqueueMany`, graphile-worker `addJobs`, pg-boss `insert`). */
  enqueueMany(ns: number[]): Promise<void>;
  /** The bulk call's name, for the report. */
  readonly bulkCall: string;
  close(): Promise<void>;
}

export interface ProducerOptions {
  /** Database connections of the producer's pool (default 10). */
  connections?: number;
}

export interface Backend {
  readonly system: SystemName;
  /** Empty the system's tables (history included) before a run of `config`. */
  reset(config: Configuration): Promise<void>;
  /** Enqueue tasks numbered `0 .. count - 1` in bulk, before the worker starts. */
  enqueueBulk(count: number): Promise<void>;
  producer(config: Configuration, options?: ProducerOptions): Promise<Producer>;
  /** Empty the system's queue, its schema kept (between enqueue runs). */
  clear(): Promise<void>;
  /** What the database says is wrong after `count` acknowledged enqueues of distinct numbers (empty when all is well). */
  verifyEnqueued(count: number): Promise<string[]>;
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
