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
 */
export type NormalizedSchedule =
  | { kind: 'interval'; everyMs: number; initialDelayMs: number; limits: NormalizedLimits }
  | { kind: 'cron'; expression: string; timezone: string; limits: NormalizedLimits };

export interface NormalizedLimits {
  startAt: number | null;
  stopAt: number | null;
  repeats: number;
  preventDrift: boolean;
  misfire: MisfirePolicy;
}
