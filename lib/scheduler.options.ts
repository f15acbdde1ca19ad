import type { Type } from '@nestjs/common';
import { InvalidSchedulerOptionError } from './errors.js';
import {
  resolveIsolation,
  type ProcessIsolationOptions,
  type ResolvedIsolation,
} from './isolation/isolation-options.js';
import { workerFromEnvironment } from './scheduler.environment.js';
import { isOptionsObject } from './option-keys.js';
import { assertKnownSchedulerOptions } from './scheduler.option-keys.js';
import {
  resolvePostgresOptions,
  type PostgresOptions,
  type ResolvedPostgresOptions,
} from './storage/postgres-options.js';
import { tryParseDuration } from './schedule/duration.js';
import { resolveGroupOptions, type GroupOptions, type ResolvedGroupRates } from './registry/group-options.js';
import type { Duration } from './types.js';

/** A source of "now". The system clock by default; `nestjs-kronos/testing` offers a controllable one. */
export interface Clock {
  now(): number;
  /**
   * True for the real wall clock: the engine then compares due times and heartbeats against the
   * database's own clock, so the whole cluster shares one notion of "now".
   */
  readonly isSystemClock?: boolean;
}

export const systemClock: Clock = { now: () => Date.now(), isSystemClock: true };

/**
 * Turns a task's `runAs` user id into the user object handed to the handler as `ctx.user`.
 *
 * **The id is always a string.** `runAs` accepts a string or an integer, and ids are stored as
 * text, so `runAs: 42`, `runAs: '42'` and `kronos run --as 42` all arrive here as `'42'`, in the
 * worker's process and in isolation child processes alike. Convert it for numeric keys:
 *
 * @example
 * ```ts
 * @Injectable()
 * export class UsersService implements UserResolver<User> {
 *   constructor(@InjectRepository(User) private readonly users: Repository<User>) {}
 *   resolveUser(userId: string) {
 *     return this.users.findOneBy({ id: Number(userId) });
 *   }
 * }
 * // SchedulerModule.forRoot({ impersonation: { resolver: UsersService } })
 * ```
 * @publicApi
 */
export interface UserResolver<TUser = unknown> {
  /**
   * Return the user for `userId` (always a string: see above), or null/undefined when the id
   * no longer resolves: the run then fails with `UserNotFoundError`, never runs anonymously.
   */
  resolveUser(userId: string): TUser | null | undefined | Promise<TUser | null | undefined>;
}

/**
 * Impersonation: a function, or a provider class implementing `UserResolver` (taken from the
 * application's providers, so it may inject repositories). Either receives the `runAs` id as a
 * string.
 */
export type ImpersonationOptions<TUser = unknown> =
  { resolveUser: UserResolver<TUser>['resolveUser'] } | { resolver: Type<UserResolver<TUser>> };

/** The worker that claims and runs tasks in this process. */
export interface WorkerOptions {
  /** Tasks run at once by this process. Default 10. */
  concurrency?: number;
  /** Groups this worker serves. Default `['main']`. */
  groups?: string[];
  /** Idle poll interval (PostgreSQL also wakes on LISTEN/NOTIFY). Default `'1s'`. */
  pollInterval?: Duration;
  /** Heartbeat interval of the worker row. Default `'5s'`. */
  heartbeatInterval?: Duration;
  /**
   * A worker whose row the database has not seen refreshed for this long is dead, and its tasks are
   * rescued by a worker that has itself been heartbeating without a break for this long (so nobody
   * is declared dead for a database outage). A worker with no heartbeat back for half of it fences
   * itself: it stops claiming and interrupts its handlers. At least three heartbeat intervals.
   * Default `'60s'`. See docs/architecture.md, "Leases, heartbeats and rescue".
   */
  deadAfter?: Duration;
  /** How often progress and output of running tasks are written and stop requests read. Default `'2s'`. */
  syncInterval?: Duration;
  /** How long `app.close()` waits for running tasks before interrupting and re-queueing them. Default `'10s'`. */
  shutdownGracePeriod?: Duration;
  /**
   * Maximum tasks fetched by one claim, and the most claimed ahead of free slots while tasks are
   * short (about what the worker starts in 50 ms). Default: 1000, or `concurrency` if larger.
   */
  batchSize?: number;
  /**
   * What `terminateWorkers()` / `killWorkers()` do to this process once its worker has left:
   * `true` (default) sends it SIGTERM, so the application's shutdown hooks run and it exits
   * (web2py semantics, what a dedicated worker process wants); `false` only stops the worker.
   */
  exitOnCommand?: boolean;
}

/** Options of `SchedulerModule.forRoot()` / `forRootAsync()`. */
export interface SchedulerModuleOptions {
  /** The worker in this process, or `false` for web-only processes that only enqueue. */
  worker?: WorkerOptions | false;
  /** How `runAs` user ids (always strings) become `ctx.user`. Without it, a task queued with `runAs` fails. */
  impersonation?: ImpersonationOptions;
  /** Default IANA time zone of calendar schedules. Default `'UTC'`. */
  timezone?: string;
  /** Timeout of jobs that do not set one. Default `'5m'`. */
  defaultTimeout?: Duration;
  /** Largest accepted payload, in bytes of JSON. Default 1 MiB. */
  maxPayloadBytes?: number;
  /** Output kept per run (the tail is kept). Default 64 KiB. */
  maxOutputBytes?: number;
  /** First retry delay; doubled for each later attempt. Default `'1s'`. */
  retryBackoff?: Duration;
  /** Longest retry delay. Default `'1h'`. */
  maxRetryBackoff?: Duration;
  /** Source of time (tests). Default: the system clock and, where it has one, the database clock. */
  clock?: Clock;
  /**
   * Run handlers in a pool of child processes that boot the application once (see
   * docs/isolation.md): every job by default, or only jobs declared with `isolation: 'process'`
   * when `mode` is `'in-process'`. Default: every handler runs in the worker's own process.
   */
  isolation?: ProcessIsolationOptions;
  /**
   * A `scheduler.ini` file loaded at start-up: each section becomes a recurring job named by its
   * label that runs the handler of the registered job its `call` names (see docs/cli.md). A
   * section with a problem is logged with file, section and line and left out. Default: none.
   */
  configFile?: string;
  /**
   * Delete old history periodically in processes that run a worker: runs and finished tasks
   * older than `olderThan`, as `kronos prune` does (recurring task rows and unfinished tasks are
   * never deleted). Default: keep everything.
   */
  retention?: RetentionOptions;
  /**
   * PostgreSQL only: `{ pooling: 'transaction', listenConnection }` when the DataSource goes
   * through PgBouncer in transaction pooling mode (see docs/pgbouncer.md). Ignored, with a
   * warning, on other databases. Default: `{ pooling: 'session' }`.
   */
  postgres?: PostgresOptions;
  /**
   * Lifecycle events across processes: `{ cluster: true }` makes `SchedulerService.clusterEvents$`
   * available (every run recorded anywhere in the fleet) and, on PostgreSQL, makes this process's
   * worker send what it records with NOTIFY. Set it in every process, workers included (see
   * docs/events.md). Default: off; nothing is sent or read.
   */
  events?: EventsOptions;
  /**
   * Settings of groups of tasks, by group name: `{ emails: { rateLimit: { limit: 100, per: '1m' } } }`
   * lets at most 100 tasks of the group `emails` start per minute across the cluster, whichever
   * jobs they belong to (docs/flow-control.md). Give every process that serves the group the same
   * settings. Default: none.
   */
  groups?: Record<string, GroupOptions>;
}

/** Cluster-wide task events (`SchedulerService.clusterEvents$`). */
export interface EventsOptions {
  /** Send (PostgreSQL workers) and receive runs recorded by every process. Default `false`. */
  cluster?: boolean;
  /** Where runs are read from the runs table (SQLite, MySQL/MariaDB, PostgreSQL without LISTEN): how often. Default `'1s'`. */
  pollInterval?: Duration;
}

/** The built-in pruning of old runs and finished tasks. */
export interface RetentionOptions {
  /** Age of the history to delete, e.g. `'30d'`. */
  olderThan: Duration;
  /** How often to prune. Default `'1h'`. */
  interval?: Duration;
  /** Rows deleted per statement. Default 1000. */
  batchSize?: number;
}

/** Options after defaults and validation (internal). */
export interface ResolvedSchedulerOptions {
  worker:
    | (Required<WorkerOptions> & {
        pollIntervalMs: number;
        heartbeatIntervalMs: number;
        deadAfterMs: number;
        syncIntervalMs: number;
        shutdownGracePeriodMs: number;
      })
    | false;
  impersonation: ImpersonationOptions | null;
  timezone: string;
  defaultTimeoutMs: number;
  maxPayloadBytes: number;
  maxOutputBytes: number;
  retryBackoffMs: number;
  maxRetryBackoffMs: number;
  clock: Clock;
  isolation: ResolvedIsolation | null;
  configFile: string | null;
  retention: { olderThanMs: number; intervalMs: number; batchSize: number } | null;
  postgres: ResolvedPostgresOptions;
  events: { cluster: boolean; pollIntervalMs: number };
  /** The rate limit of each group that has one (`groups`). */
  groupRates: ResolvedGroupRates;
}

function duration(field: string, value: Duration | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const ms = tryParseDuration(value);
  if (ms === null || ms <= 0)
    throw new InvalidSchedulerOptionError(field, value, "must be a positive duration (ms or e.g. '30s')");
  return ms;
}

function positiveInt(field: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0)
    throw new InvalidSchedulerOptionError(field, value, 'must be a positive integer');
  return value;
}

/** Apply defaults and validate every option once, at start-up. */
export function resolveSchedulerOptions(options: SchedulerModuleOptions = {}): ResolvedSchedulerOptions {
  const given: unknown = options; // checked without narrowing `options` itself
  if (!isOptionsObject(given))
    throw new InvalidSchedulerOptionError(
      'options',
      options,
      'must be an object such as { worker: { concurrency: 10 } }',
    );
  assertKnownSchedulerOptions(options);
  const timezone = options.timezone ?? 'UTC';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    throw new InvalidSchedulerOptionError('timezone', timezone, 'is not an IANA time zone name');
  }
  assertImpersonation(options.impersonation);
  // KRONOS_WORKER* environment variables (the `kronos` command, service files) win over the code.
  const w = workerFromEnvironment(options.worker, process.env);
  let worker: ResolvedSchedulerOptions['worker'] = false;
  if (w !== false) {
    const cfg = w ?? {};
    const groups = cfg.groups ?? ['main'];
    if (!Array.isArray(groups) || groups.length === 0 || groups.some((g) => typeof g !== 'string' || g === '')) {
      throw new InvalidSchedulerOptionError('worker.groups', groups, 'must be a non-empty array of group names');
    }
    const concurrency = positiveInt('worker.concurrency', cfg.concurrency, 10);
    worker = {
      concurrency,
      groups,
      batchSize: positiveInt('worker.batchSize', cfg.batchSize, Math.max(concurrency, 1000)),
      exitOnCommand: cfg.exitOnCommand ?? true,
      pollInterval: cfg.pollInterval ?? '1s',
      heartbeatInterval: cfg.heartbeatInterval ?? '5s',
      deadAfter: cfg.deadAfter ?? '60s',
      syncInterval: cfg.syncInterval ?? '2s',
      shutdownGracePeriod: cfg.shutdownGracePeriod ?? '10s',
      pollIntervalMs: duration('worker.pollInterval', cfg.pollInterval, 1000),
      heartbeatIntervalMs: duration('worker.heartbeatInterval', cfg.heartbeatInterval, 5000),
      deadAfterMs: duration('worker.deadAfter', cfg.deadAfter, 60_000),
      syncIntervalMs: duration('worker.syncInterval', cfg.syncInterval, 2000),
      shutdownGracePeriodMs: duration('worker.shutdownGracePeriod', cfg.shutdownGracePeriod, 10_000),
    };
    if (worker.deadAfterMs < worker.heartbeatIntervalMs * 3) {
      throw new InvalidSchedulerOptionError(
        'worker.deadAfter',
        cfg.deadAfter,
        'must be at least three heartbeat intervals',
      );
    }
  }
  return {
    worker,
    impersonation: options.impersonation ?? null,
    timezone,
    defaultTimeoutMs: duration('defaultTimeout', options.defaultTimeout, 5 * 60_000),
    maxPayloadBytes: positiveInt('maxPayloadBytes', options.maxPayloadBytes, 1024 * 1024),
    maxOutputBytes: positiveInt('maxOutputBytes', options.maxOutputBytes, 64 * 1024),
    retryBackoffMs: duration('retryBackoff', options.retryBackoff, 1000),
    maxRetryBackoffMs: duration('maxRetryBackoff', options.maxRetryBackoff, 3_600_000),
    clock: options.clock ?? systemClock,
    isolation: resolveIsolation(options.isolation),
    configFile: resolveConfigFile(options.configFile),
    retention: options.retention
      ? {
          olderThanMs: duration('retention.olderThan', options.retention.olderThan ?? 0, 0),
          intervalMs: duration('retention.interval', options.retention.interval, 3_600_000),
          batchSize: positiveInt('retention.batchSize', options.retention.batchSize, 1000),
        }
      : null,
    postgres: resolvePostgresOptions(options.postgres),
    events: resolveEvents(options.events),
    groupRates: resolveGroupOptions(options.groups),
  };
}

function resolveEvents(value: EventsOptions | undefined): ResolvedSchedulerOptions['events'] {
  if (value === undefined) return { cluster: false, pollIntervalMs: 1000 };
  if (!isOptionsObject(value))
    throw new InvalidSchedulerOptionError('events', value, 'must be an object such as { cluster: true }');
  const { cluster, pollInterval } = value as EventsOptions;
  if (cluster !== undefined && typeof cluster !== 'boolean')
    throw new InvalidSchedulerOptionError('events.cluster', cluster, 'must be true or false');
  return { cluster: cluster ?? false, pollIntervalMs: duration('events.pollInterval', pollInterval, 1000) };
}

function assertImpersonation(value: unknown): void {
  if (value === undefined) return;
  const given = isOptionsObject(value)
    ? (['resolveUser', 'resolver'] as const).filter((key) => value[key] !== undefined)
    : [];
  if (given.length !== 1) {
    throw new InvalidSchedulerOptionError(
      'impersonation',
      value,
      'needs exactly one of resolveUser: (userId: string) => user, or resolver: a provider class implementing UserResolver',
    );
  }
  const fn = (value as Record<string, unknown>)[given[0]];
  if (typeof fn !== 'function') {
    throw new InvalidSchedulerOptionError(
      `impersonation.${given[0]}`,
      String(fn),
      given[0] === 'resolver'
        ? 'must be a provider class implementing UserResolver'
        : 'must be a function (userId: string) => user',
    );
  }
}

function resolveConfigFile(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.trim() === '')
    throw new InvalidSchedulerOptionError('configFile', value, 'must be the path of a scheduler.ini file');
  return value;
}
