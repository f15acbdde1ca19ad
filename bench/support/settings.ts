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
  throughputTasks: number;
  latencyTasks: number;
  latencyRatePerSec: number;
  latencyWarmup: number;
  history: number[];
  claimsMeasured: number;
  clusterProcesses: number;
  clusterTasks: number;
  mysqlTasks: number;
  /** Throughput runs per configuration; the median is reported. */
  repeats: number;
  /** A configuration that cannot drain in time (pg-boss defaults) is measured over this window. */
  timeBoxMs: number;
  /** Tasks per bulk-enqueue run, and runs per system (the best is reported). */
  bulkTasks: number;
  bulkRepeats: number;
}

export function sizes(smoke: boolean): Sizes {
  return smoke
    ? {
        throughputTasks: 300,
        latencyTasks: 50,
        latencyRatePerSec: 50,
        latencyWarmup: 5,
        history: [1000, 10_000],
        claimsMeasured: 5,
        clusterProcesses: 2,
        clusterTasks: 300,
        mysqlTasks: 300,
        repeats: 1,
        timeBoxMs: 3000,
        bulkTasks: 2000,
        bulkRepeats: 1,
      }
    : {
        throughputTasks: 20_000,
        latencyTasks: 1000,
        latencyRatePerSec: 50,
        latencyWarmup: 20,
        history: [10_000, 100_000, 1_000_000],
        claimsMeasured: 100,
        clusterProcesses: 4,
        clusterTasks: 20_000,
        mysqlTasks: 20_000,
        repeats: 3,
        timeBoxMs: 10_000,
        bulkTasks: 100_000,
        bulkRepeats: 3,
      };
}

export const machine = () => ({
  cores: cpus().length,
  cpu: cpus()[0]?.model ?? 'unknown',
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
});
