import { InvalidGroupOptionError } from '../errors.js';
import { isOptionsObject } from '../option-keys.js';
import type { Duration } from '../types.js';
import { checkRateLimit, GROUP_MAX_LENGTH, type RateLimitSpec } from './job-options.js';

/**
 * Settings shared by every task of a group, whatever its job (`SchedulerModule.forRoot({ groups })`).
 *
 * @example
 * ```ts
 * SchedulerModule.forRoot({ groups: { emails: { rateLimit: { limit: 100, per: '1m' } } } });
 * ```
 * @publicApi
 */
export interface GroupOptions {
  /**
   * At most `limit` tasks of the group start per window of `per` (ms, or `'1s'`, `'1m'`, `'1h'`;
   * at most one day), counted across every job of the group and every worker process of the
   * cluster. Tasks over the limit stay QUEUED until a window has room; they never fail for it. A
   * task whose job has its own `rateLimit` (or `concurrency`) must satisfy both. Declare it in
   * every process that runs a worker for the group (docs/flow-control.md).
   */
  rateLimit?: { limit: number; per: Duration };
}

/** The validated group settings: the rate limit of each group that has one (internal). */
export type ResolvedGroupRates = ReadonlyMap<string, RateLimitSpec>;

const GROUP_NAME = /^[\w.:-]+$/;
const GROUP_KEYS = ['rateLimit'];

/**
 * Check the `groups` module option once, at start-up: each key a group name (as `@Job`'s
 * `group` takes it), each value an object of known settings; a bad one throws
 * `InvalidGroupOptionError` naming the group, the field and the value.
 */
export function resolveGroupOptions(value: unknown): ResolvedGroupRates {
  const rates = new Map<string, RateLimitSpec>();
  if (value === undefined) return rates;
  if (!isOptionsObject(value))
    throw new InvalidGroupOptionError(
      '(groups)',
      'groups',
      value,
      "is not an object of groups such as { emails: { rateLimit: { limit: 100, per: '1m' } } }",
    );
  for (const [group, options] of Object.entries(value)) {
    if (!GROUP_NAME.test(group) || group.length > GROUP_MAX_LENGTH)
      throw new InvalidGroupOptionError(
        group,
        'name',
        group,
        `is not a group name (letters, digits, . _ : -, at most ${GROUP_MAX_LENGTH})`,
      );
    if (!isOptionsObject(options))
      throw new InvalidGroupOptionError(
        group,
        'options',
        options,
        "is not an object of group settings such as { rateLimit: { limit: 100, per: '1m' } }",
      );
    const unknown = Object.keys(options).find((key) => !GROUP_KEYS.includes(key));
    if (unknown !== undefined)
      throw new InvalidGroupOptionError(
        group,
        unknown,
        options[unknown],
        `is not a group setting (${GROUP_KEYS.join(', ')})`,
      );
    if (options.rateLimit !== undefined)
      rates.set(
        group,
        checkRateLimit(
          options.rateLimit,
          (field, given, reason) => new InvalidGroupOptionError(group, field, given, reason),
        ),
      );
  }
  return rates;
}
