import { tryParseDuration } from '../schedule/duration.js';
import type { Duration } from '../types.js';
import { InvalidHealthCheckOptionError } from './health.errors.js';

/** Options of `KronosHealthIndicator.database()`. */
export interface DatabaseCheckOptions {
  /** How long the database may take to answer `SELECT 1` before the check is down. Default `'1s'`. */
  timeout?: Duration;
}

/** Options of `KronosHealthIndicator.backlog()`. */
export interface BacklogCheckOptions {
  /**
   * How long the oldest due task may wait unclaimed (since its due time) before the check is
   * down, e.g. `'5m'` or milliseconds.
   */
  maxWait: Duration;
}

/** A duration option of the check `key` in milliseconds, or a typed error naming the check, field and value. */
export function checkDuration(key: string, field: string, value: unknown): number {
  const ms = tryParseDuration(value as Duration);
  if (ms === null)
    throw new InvalidHealthCheckOptionError(
      key,
      field,
      value,
      "is not a duration (use milliseconds or e.g. '500ms', '30s', '5m')",
    );
  return ms;
}

/** The threshold of `backlog(key, options)`: `maxWait` is required. */
export function backlogMaxWait(key: string, options: BacklogCheckOptions | undefined): number {
  if (typeof options !== 'object' || options === null || options.maxWait === undefined) {
    throw new InvalidHealthCheckOptionError(
      key,
      'maxWait',
      options?.maxWait,
      "is required: how long a due task may wait unclaimed, e.g. { maxWait: '5m' }",
    );
  }
  return checkDuration(key, 'maxWait', options.maxWait);
}
