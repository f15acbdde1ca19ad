import type { ProcessIsolationOptions } from './isolation/isolation-options.js';
import { UnknownSchedulerOptionError } from './scheduler.option-errors.js';
import { findUnknownKey, isOptionsObject, keysOf, type OptionLevel } from './option-keys.js';
import type { SchedulerModuleExtras } from './scheduler.module-definition.js';
import type { PostgresOptions } from './storage/postgres-options.js';
import type { EventsOptions, RetentionOptions, SchedulerModuleOptions, WorkerOptions } from './scheduler.options.js';

/** The keys `forRootAsync()` takes besides the extras (Nest's own async-provider keys). */
const ASYNC_KEYS = [
  'imports',
  'inject',
  'useFactory',
  'useClass',
  'useExisting',
  'provideInjectionTokensFrom',
] as const;

const forRoot = (inner: string) => `SchedulerModule.forRoot({ ${inner} })`;

const TOP: OptionLevel = {
  path: '',
  noun: 'a SchedulerModule option',
  usage: (key) => forRoot(key),
  keys: keysOf<SchedulerModuleOptions>({
    worker: true,
    impersonation: true,
    timezone: true,
    defaultTimeout: true,
    maxPayloadBytes: true,
    maxOutputBytes: true,
    retryBackoff: true,
    maxRetryBackoff: true,
    clock: true,
    isolation: true,
    configFile: true,
    retention: true,
    postgres: true,
    events: true,
    groups: true,
  }),
};

/** `dataSource` and `isGlobal`: read when the module is imported, never from a factory's result. */
const EXTRAS: OptionLevel = {
  path: '',
  noun: 'fixed when the module is imported, not returned by an options factory',
  usage: (key) => `${forRoot(key)} or SchedulerModule.forRootAsync({ ${key}, useFactory })`,
  keys: keysOf<SchedulerModuleExtras>({ dataSource: true, isGlobal: true }),
};

const nested = (path: string, noun: string, keys: readonly string[]): OptionLevel => ({
  path,
  noun,
  usage: (key) => forRoot(path.split('.').reduceRight((inner, part) => `${part}: { ${inner} }`, key)),
  keys,
});

const WORKER = nested(
  'worker',
  'a worker option',
  keysOf<WorkerOptions>({
    concurrency: true,
    groups: true,
    pollInterval: true,
    heartbeatInterval: true,
    deadAfter: true,
    syncInterval: true,
    shutdownGracePeriod: true,
    batchSize: true,
    exitOnCommand: true,
  }),
);
const IMPERSONATION = nested('impersonation', 'an impersonation option', ['resolveUser', 'resolver']);
const ISOLATION = nested(
  'isolation',
  'an isolation option',
  keysOf<ProcessIsolationOptions>({
    mode: true,
    appModule: true,
    poolSize: true,
    killGrace: true,
    startTimeout: true,
    logLevels: true,
    execArgv: true,
    entry: true,
  }),
);
const APP_MODULE = nested(
  'isolation.appModule',
  'an isolation.appModule option',
  keysOf<ProcessIsolationOptions['appModule']>({ path: true, export: true }),
);
const RETENTION = nested(
  'retention',
  'a retention option',
  keysOf<RetentionOptions>({ olderThan: true, interval: true, batchSize: true }),
);

const POSTGRES = nested(
  'postgres',
  'a postgres option',
  keysOf<PostgresOptions>({ pooling: true, listenConnection: true, partitionHistory: true }),
);

const EVENTS = nested('events', 'an events option', keysOf<EventsOptions>({ cluster: true, pollInterval: true }));

const LEVELS = [TOP, EXTRAS, WORKER, IMPERSONATION, ISOLATION, APP_MODULE, RETENTION, POSTGRES, EVENTS];

/** `forRootAsync()`'s own options: Nest's async-provider keys and the extras. */
const ASYNC: OptionLevel = {
  path: '',
  noun: 'a SchedulerModule.forRootAsync() option',
  usage: (key) => `SchedulerModule.forRootAsync({ ${key} })`,
  keys: [...ASYNC_KEYS, ...EXTRAS.keys],
};

/** Module options go in what the factory returns, not beside it. */
const FROM_FACTORY: OptionLevel = {
  ...TOP,
  noun: 'a SchedulerModule option',
  usage: (key) => `SchedulerModule.forRootAsync({ useFactory: () => ({ ${key} }) })`,
};

function check(value: unknown, level: OptionLevel, others: readonly OptionLevel[]): void {
  if (!isOptionsObject(value)) return;
  const unknown = findUnknownKey(value, level, others);
  if (unknown) throw new UnknownSchedulerOptionError(unknown.key, unknown.hint, unknown.belongsTo, unknown.suggestion);
}

/**
 * Fail on any key of the module options (inline, or returned by `forRootAsync`'s factory) that
 * no level takes: the top level, `worker`, `impersonation`, `isolation` (and its `appModule`),
 * `retention` and `postgres` (not `postgres.listenConnection`: `pg` client settings). `clock` is
 * the caller's own object and is not checked.
 */
export function assertKnownSchedulerOptions(options: SchedulerModuleOptions): void {
  const others = (level: OptionLevel) => LEVELS.filter((other) => other !== level);
  check(options, TOP, others(TOP));
  check(options.worker, WORKER, others(WORKER));
  check(options.impersonation, IMPERSONATION, others(IMPERSONATION));
  check(options.isolation, ISOLATION, others(ISOLATION));
  check((options.isolation as { appModule?: unknown } | undefined)?.appModule, APP_MODULE, others(APP_MODULE));
  check(options.retention, RETENTION, others(RETENTION));
  check(options.postgres, POSTGRES, others(POSTGRES));
  check(options.events, EVENTS, others(EVENTS));
}

/** Fail on a key of `forRootAsync()`'s own options that it does not read (e.g. `worker` beside `useFactory`). */
export function assertKnownAsyncOptions(options: object): void {
  check(options, ASYNC, [FROM_FACTORY, WORKER, IMPERSONATION, ISOLATION, APP_MODULE, RETENTION, POSTGRES, EVENTS]);
}
