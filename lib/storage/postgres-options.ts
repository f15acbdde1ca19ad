import { InvalidSchedulerOptionError } from '../errors.js';
import { isOptionsObject } from '../option-keys.js';

/** How long the run history's range partitions are. */
export type HistoryPeriod = 'day' | 'week';

/** The `postgres.partitionHistory` module option, resolved. */
export interface HistoryPartitioning {
  by: HistoryPeriod;
  /** Periods created ahead of the current one. */
  ahead: number;
}

/**
 * Settings of a direct PostgreSQL connection, handed to the `pg` driver's `Client` as they are
 * (any other `pg` client setting may be added).
 */
export interface PostgresConnectionConfig {
  connectionString?: string;
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  database?: string;
  ssl?: boolean | object;
  [setting: string]: unknown;
}

/**
 * How Kronos talks to PostgreSQL (`SchedulerModule.forRoot({ postgres: {...} })`). Read only when
 * the DataSource is PostgreSQL; on another database it is ignored with a warning. See docs/pgbouncer.md.
 */
export interface PostgresOptions {
  /**
   * What the DataSource's connections are. `'session'` (default): PostgreSQL sessions, directly
   * or through a session-pooling proxy; the hot path runs as named prepared statements.
   * `'transaction'`: a pooler in transaction pooling mode, such as PgBouncer with
   * `pool_mode = transaction`, that hands each transaction to any server connection: Kronos then
   * uses unnamed statements, keeps no session state and does not LISTEN through the pooler.
   */
  pooling?: 'session' | 'transaction';
  /**
   * A connection to PostgreSQL itself (not through the pooler), as a connection string or `pg`
   * client settings, on which idle workers LISTEN for enqueue notifications: one connection per
   * process. Default: in `'session'` mode the DataSource's own settings; in `'transaction'` mode
   * none, and idle workers poll every `worker.pollInterval` instead.
   */
  listenConnection?: string | PostgresConnectionConfig;
  /**
   * Time-partitioned run history (docs/partitioning.md): the run table, converted once by the
   * opt-in migration `KronosPartitionedRunsPostgres1771000000000`, holds one partition per UTC
   * `day` or ISO `week` of run start times. Processes that run a worker create the partitions of
   * the current period and of `ahead` more (default 4) at start and every hour, and `retention`
   * drops whole partitions past its horizon instead of deleting rows in batches. Default: off
   * (one plain run table, pruned in batches).
   */
  partitionHistory?: PartitionHistoryOptions;
}

/** `postgres.partitionHistory`: how the run history is partitioned. */
export interface PartitionHistoryOptions {
  /** One partition per UTC day or per ISO week (Monday 00:00 UTC). */
  by: 'day' | 'week';
  /** Partitions created ahead of the current period. Default 4. */
  ahead?: number;
}

/** `PostgresOptions` after defaults and validation (internal). */
export interface ResolvedPostgresOptions {
  pooling: 'session' | 'transaction';
  /** The LISTEN connection's settings, or null for the default. */
  listenConnection: PostgresConnectionConfig | null;
  /** Partitioned run history, or null (plain run table). */
  partitionHistory: HistoryPartitioning | null;
  /** Whether the application set `postgres` at all (a warning on other databases). */
  given: boolean;
}

const POOLING = ['session', 'transaction'] as const;

/** Apply defaults and validate `postgres` once, at start-up. */
export function resolvePostgresOptions(value: unknown): ResolvedPostgresOptions {
  if (value === undefined) return { pooling: 'session', listenConnection: null, partitionHistory: null, given: false };
  if (!isOptionsObject(value))
    throw new InvalidSchedulerOptionError('postgres', value, "must be an object such as { pooling: 'transaction' }");
  const pooling = value.pooling ?? 'session';
  if (!POOLING.includes(pooling as (typeof POOLING)[number])) {
    throw new InvalidSchedulerOptionError(
      'postgres.pooling',
      pooling,
      "must be 'session' (the default) or 'transaction'",
    );
  }
  return {
    pooling: pooling as ResolvedPostgresOptions['pooling'],
    listenConnection: listenConnection(value.listenConnection),
    partitionHistory: partitionHistory(value.partitionHistory),
    given: true,
  };
}

const PERIODS = ['day', 'week'] as const;

function partitionHistory(value: unknown): HistoryPartitioning | null {
  if (value === undefined) return null;
  if (!isOptionsObject(value))
    throw new InvalidSchedulerOptionError(
      'postgres.partitionHistory',
      value,
      "must be an object such as { by: 'day', ahead: 4 }",
    );
  if (!PERIODS.includes(value.by as (typeof PERIODS)[number]))
    throw new InvalidSchedulerOptionError('postgres.partitionHistory.by', value.by, "must be 'day' or 'week'");
  const ahead = value.ahead ?? 4;
  if (typeof ahead !== 'number' || !Number.isInteger(ahead) || ahead < 1 || ahead > 366)
    throw new InvalidSchedulerOptionError(
      'postgres.partitionHistory.ahead',
      value.ahead,
      'must be a whole number of periods from 1 to 366',
    );
  for (const key of Object.keys(value))
    if (key !== 'by' && key !== 'ahead')
      throw new InvalidSchedulerOptionError(
        `postgres.partitionHistory.${key}`,
        value[key],
        'is not a partitionHistory option (by, ahead)',
      );
  return { by: value.by as HistoryPartitioning['by'], ahead };
}

function listenConnection(value: unknown): PostgresConnectionConfig | null {
  if (value === undefined) return null;
  if (typeof value === 'string' && value.trim() !== '') return { connectionString: value };
  if (isOptionsObject(value) && Object.keys(value).length > 0) return { ...value };
  throw new InvalidSchedulerOptionError(
    'postgres.listenConnection',
    value,
    "must be a connection string such as 'postgres://user@db-host:5432/app' or pg client settings such as { host, port, user, password, database }",
  );
}
