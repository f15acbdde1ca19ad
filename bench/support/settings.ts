import { cpus } from 'node:os';

/** A database server, read from the same variables the test suite uses. */
export interface Server {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

export function postgres(env = process.env): Server {
  return {
    host: env.PGHOST || '127.0.0.1',
    port: Number(env.PGPORT || 5432),
    user: env.PGUSER || 'postgres',
    password: env.PGPASSWORD ?? '',
    database: env.PGDATABASE || 'kronos_bench',
  };
}

export function mysql(env = process.env): Server {
  return {
    host: env.MYSQL_HOST || '127.0.0.1',
    port: Number(env.MYSQL_PORT || 3306),
    user: env.MYSQL_USER || 'root',
    password: env.MYSQL_PASSWORD ?? '',
    database: env.MYSQL_DATABASE || 'kronos_bench',
  };
}

export const connectionString = (s: Server): string =>
  `postgres://${encodeURIComponent(s.user)}${s.password ? `:${encodeURIComponent(s.password)}` : ''}@${s.host}:${s.port}/${encodeURIComponent(s.database)}`;

/** Sizes of every scenario; `--smoke` shrinks them so CI can keep the benchmark working. */
export interface Sizes {
  /** Tasks per throughput run (one worker process drains them), and runs per configuration. */
  throughputTasks: number;
  repeats: number;
  /** A configuration that cannot drain in time (pg-boss defaults, graphile-worker defaults) is measured over this window ... */
  timeBoxMs: number;
  /** ... from this many queued tasks. */
  timeBoxedTasks: number;
  /** Enqueue rates of the latency scenario, tasks at each, runs per configuration, warm-up tasks. */
  latencyRates: number[];
  latencySecondsPerRate: number;
  latencyMinTasks: number;
  latencyRepeats: number;
  latencyWarmup: number;
  history: number[];
  claimsMeasured: number;
  /** Tasks of the sustained scenario (one run per configuration, per-second series). */
  sustainedTasks: number;
  /** Worker process counts of the scaling scenario, tasks per run, runs per cell. */
  scalingProcesses: number[];
  scalingTasks: number;
  scalingRepeats: number;
  /** Database connections per worker process in the scaling scenario (8 processes must fit max_connections). */
  scalingPoolPerProcess: number;
  /** PgBouncer's server connections (default_pool_size). */
  pgbouncerPoolSize: number;
  /** Producer counts of the enqueue scenario, its window per run, tasks per bulk call, runs per cell. */
  enqueueProducers: number[];
  enqueueWindowMs: number;
  enqueueBulkSize: number;
  enqueueRepeats: number;
  /** Tasks and runs on SQLite and MariaDB. */
  otherTasks: number;
  otherRepeats: number;
  /** Tasks per bulk-enqueue run, and runs per system. */
  bulkTasks: number;
  bulkRepeats: number;
}

export function sizes(smoke: boolean): Sizes {
  return smoke
    ? {
        throughputTasks: 300,
        repeats: 1,
        timeBoxMs: 3000,
        timeBoxedTasks: 300,
        latencyRates: [50, 500],
        latencySecondsPerRate: 0.5,
        latencyMinTasks: 25,
        latencyRepeats: 1,
        latencyWarmup: 5,
        history: [1000, 10_000],
        claimsMeasured: 5,
        sustainedTasks: 2000,
        scalingProcesses: [4],
        scalingTasks: 600,
        scalingRepeats: 1,
        scalingPoolPerProcess: 4,
        pgbouncerPoolSize: 4,
        enqueueProducers: [1, 4],
        enqueueWindowMs: 300,
        enqueueBulkSize: 100,
        enqueueRepeats: 1,
        otherTasks: 300,
        otherRepeats: 1,
        bulkTasks: 2000,
        bulkRepeats: 1,
      }
    : {
        // At least 5 s of work for the fastest drain measured (about 35,000 jobs/s on a quiet 2-core machine).
        throughputTasks: 175_000,
        repeats: 5,
        timeBoxMs: 10_000,
        timeBoxedTasks: 50_000,
        latencyRates: [50, 500, 2000],
        latencySecondsPerRate: 3,
        latencyMinTasks: 400,
        latencyRepeats: 5,
        latencyWarmup: 20,
        history: [10_000, 100_000, 1_000_000],
        claimsMeasured: 100,
        // At least 10 s of work at the fastest drain measured.
        sustainedTasks: 400_000,
        scalingProcesses: [1, 2, 4, 8],
        scalingTasks: 50_000,
        scalingRepeats: 3,
        scalingPoolPerProcess: 4,
        pgbouncerPoolSize: 4,
        enqueueProducers: [1, 4, 16],
        enqueueWindowMs: 2000,
        enqueueBulkSize: 1000,
        enqueueRepeats: 3,
        otherTasks: 50_000,
        otherRepeats: 3,
        bulkTasks: 100_000,
        bulkRepeats: 3,
      };
}

/** Tasks enqueued at `rate` per second in the latency scenario: `seconds` worth, at least `min`. */
export const latencyTasks = (s: Sizes, rate: number): number =>
  Math.max(s.latencyMinTasks, Math.round(rate * s.latencySecondsPerRate));

export const machine = () => ({
  cores: cpus().length,
  cpu: cpus()[0]?.model ?? 'unknown',
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
});
