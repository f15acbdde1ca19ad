import { findUnknownKey, isOptionsObject, keysOf, type OptionLevel } from '../option-keys.js';
import { UnknownDashboardOptionError } from './dashboard.errors.js';
import type { SchedulerDashboardExtras, SchedulerDashboardOptions } from './dashboard.options.js';

const OPTIONS: OptionLevel = {
  path: '',
  noun: 'a SchedulerDashboardModule option',
  usage: (key) => `SchedulerDashboardModule.register({ ${key} })`,
  keys: keysOf<SchedulerDashboardOptions>({
    guard: true,
    insecure: true,
    readOnly: true,
    refreshInterval: true,
    pageSize: true,
    timezone: true,
    trustedOrigins: true,
    dataSource: true,
    title: true,
    actor: true,
  }),
};

/** `path`: Nest declares routes before any factory runs, so it is never read from a factory's result. */
const EXTRAS: OptionLevel = {
  path: '',
  noun: 'fixed when the module is imported, not returned by an options factory',
  usage: (key) =>
    `SchedulerDashboardModule.register({ ${key} }) or SchedulerDashboardModule.registerAsync({ ${key}, useFactory })`,
  keys: keysOf<SchedulerDashboardExtras>({ path: true }),
};

const ASYNC: OptionLevel = {
  path: '',
  noun: 'a SchedulerDashboardModule.registerAsync() option',
  usage: (key) => `SchedulerDashboardModule.registerAsync({ ${key} })`,
  keys: ['imports', 'inject', 'useFactory', 'useClass', 'useExisting', 'provideInjectionTokensFrom', ...EXTRAS.keys],
};

/** Dashboard options go in what the factory returns, not beside it. */
const FROM_FACTORY: OptionLevel = {
  ...OPTIONS,
  usage: (key) => `SchedulerDashboardModule.registerAsync({ useFactory: () => ({ ${key} }) })`,
};

function check(value: unknown, level: OptionLevel, others: readonly OptionLevel[]): void {
  if (!isOptionsObject(value)) return;
  const unknown = findUnknownKey(value, level, others);
  if (unknown) throw new UnknownDashboardOptionError(unknown.key, unknown.hint, unknown.suggestion);
}

/** Fail on a key of the dashboard options (inline, or returned by `registerAsync`'s factory) that it does not read. */
export function assertKnownDashboardOptions(options: SchedulerDashboardOptions): void {
  check(options, OPTIONS, [EXTRAS]);
}

/** Fail on a key of `registerAsync()`'s own options that it does not read (e.g. `guard` beside `useFactory`). */
export function assertKnownDashboardAsyncOptions(options: object): void {
  check(options, ASYNC, [FROM_FACTORY]);
}
