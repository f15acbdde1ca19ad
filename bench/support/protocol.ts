/** Set in the environment of a worker the benchmark starts through the `kronos worker` command. */
export const VIA_CLI = 'BENCH_VIA_CLI';

/** What the benchmark tells a worker process (as JSON in BENCH_WORKER) and what it answers. */
export interface WorkerSpec {
  /** Configuration name, for logs. */
  label: string;
  /** System-specific settings: connection and tuning. */
  settings: Record<string, any>;
  /** Task numbers run `0 .. expected - 1`; each handler call records its number. */
  expected: number;
  /** Keep each task's start time (latency runs). */
  keepStarts: boolean;
  /** Enqueue from inside the worker process at a fixed rate (the embedded SQLite default). */
  selfEnqueue?: { count: number; warmup: number; ratePerSec: number };
}

export type WorkerMessage =
  { type: 'ready' } | { type: 'progress'; total: number } | { type: 'report'; report: WorkerReport };

export interface WorkerReport {
  pid: number;
  /** Wall-clock ms of the first handler start (0 if none ran). */
  first: number;
  last: number;
  total: number;
  /** Handler calls per task number. */
  counts: number[];
  /** Calls for numbers outside `0 .. expected - 1`. */
  unexpected: number;
  /** Start time per task number (latency runs), 0 when it did not run. */
  starts?: number[];
  /** Enqueue time per task number, when the process enqueued itself. */
  enqueued?: number[];
  /** Peak resident set size of the process (VmHWM), MB. */
  peakRssMb: number;
  /** Resident set size when the first handler started (the framework loaded, no task run yet), MB. */
  rssAtFirstMb: number;
  /** CPU time (user + system) of the process since its first handler started, ms. */
  cpuMs: number;
  /** Every 250 ms since the process started: wall-clock ms, handler calls so far, RSS MB (flat triples). */
  samples: number[];
}

export type ParentMessage = { type: 'report' } | { type: 'stop' };
