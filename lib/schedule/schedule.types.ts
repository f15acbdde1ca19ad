import type { Duration } from '../types.js';

/** What to do with slots missed while no worker was running. */
export type MisfirePolicy = 'run-once' | 'skip' | 'run-all';

/** Run limits and policies shared by every kind of schedule (web2py style). */
export interface ScheduleLimits {
  /** IANA time zone for calendar schedules. Default: the module's `timezone`, else UTC. */
  timezone?: string;
  /** No run before this instant. */
  startAt?: Date | string | number;
  /** No run after this instant; a slot not claimed before it ends EXPIRED. */
  stopAt?: Date | string | number;
  /** Total runs allowed (0 = forever, the default). */
  repeats?: number;
  /** Compute the next slot from the scheduled time rather than from when the run ended. */
  preventDrift?: boolean;
  /** Policy for slots missed during downtime. Default `'run-once'`. */
  misfire?: MisfirePolicy;
}

/** superdjango style: `every: '10 minutes'`, `every: 'sunday', at: '23:30'`, `every: 'day', at: '06:00'`. */
export interface EverySpec extends ScheduleLimits {
  every: string;
  at?: string;
}

/** cron, 5 or 6 fields (seconds first when 6). */
export interface CronSpec extends ScheduleLimits {
  cron: string;
}

/** TurboGears style fixed interval. */
export interface IntervalSpec extends ScheduleLimits {
  interval: Duration;
  initialDelay?: Duration;
}

/** TurboGears style weekday task (1 = Monday ... 7 = Sunday). */
export interface WeekdaysSpec extends ScheduleLimits {
  weekdays: number[];
  at?: string;
  timeOfDay?: [number, number];
}

/** TurboGears style monthday task (1..31; a day a month lacks is skipped that month). */
export interface MonthdaysSpec extends ScheduleLimits {
  monthdays: number[];
  at?: string;
  timeOfDay?: [number, number];
}

/** Every way to say "when". Exactly one of every/cron/interval/weekdays/monthdays. */
export type ScheduleSpec = EverySpec | CronSpec | IntervalSpec | WeekdaysSpec | MonthdaysSpec;

/**
 * A validated, normalised schedule: plain JSON, stored on the job definition and the task row,
 * and the only input of the next-run math.
 *
 * Every calendar form (weekdays, monthdays, `every: 'monday'`, `every: 'day', at: ...`, cron)
 * becomes a `cron` schedule evaluated by croner in its IANA time zone; fixed intervals become an
 * `interval` schedule (pure millisecond arithmetic, no time zone, no DST).
 */
export type NormalizedSchedule = IntervalSchedule | CronSchedule;

/** Slots at `anchor + initialDelayMs + k * everyMs` (k = 0, 1, 2, ...). */
export interface IntervalSchedule {
  kind: 'interval';
  /** Period in milliseconds (> 0). */
  everyMs: number;
  /** Offset of the first slot from the anchor, in milliseconds (>= 0). */
  initialDelayMs: number;
  limits: NormalizedLimits;
  /** Human wording derived from the spec as written (see `describeSchedule`). */
  label?: string;
}

/** Slots are the instants croner computes for `expression` in `timezone`. */
export interface CronSchedule {
  kind: 'cron';
  /** A 5-field or 6-field (seconds first) cron expression. */
  expression: string;
  /** IANA time zone the expression is read in. */
  timezone: string;
  /**
   * When set (> 1), only every `dayStep`-th local calendar day carries a slot, counted from the
   * local day of the first slot at or after the anchor (`every: '2 days', at: '06:00'`).
   */
  dayStep?: number;
  limits: NormalizedLimits;
  /** Human wording derived from the spec as written (see `describeSchedule`). */
  label?: string;
}

/** Limits with defaults applied; instants are epoch milliseconds. */
export interface NormalizedLimits {
  /** No slot before this instant (inclusive bound), or null. */
  startAt: number | null;
  /** No slot after this instant (inclusive bound), or null. */
  stopAt: number | null;
  /** Total runs allowed; 0 = forever. Enforced by the caller, which knows how many runs happened. */
  repeats: number;
  /** Next slot follows the previous slot (true) or the end of the previous run (false). */
  preventDrift: boolean;
  misfire: MisfirePolicy;
}
