import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { InvalidScheduleError, KronosError } from '../errors.js';
import { KronosRuntime } from '../kronos.runtime.js';
import { nextRuns } from '../schedule/next-runs.js';
import { isScheduleSpec, parseSchedule } from '../schedule/parse-schedule.js';
import type { ScheduleSpec } from '../schedule/schedule.types.js';
import { SchedulerService } from '../service/scheduler.service.js';
import type { Done } from './dashboard-actions.js';

/** Slots a schedule preview shows. */
export const PREVIEW_RUNS = 10;

/** A schedule typed on a job's page, checked: its next runs in its time zone, or why it is refused. */
export type SchedulePreview =
  { text: string; timezone: string; runs: number[]; error?: undefined } | { text: string; error: string };

/**
 * Schedules from a recurring job's page: a spec typed as JSON (any spec the decorators accept,
 * e.g. `{"every": "10 minutes"}` or `{"cron": "0 3 * * *", "timezone": "Europe/Berlin"}`),
 * previewed with its next runs, stored with `SchedulerService.reschedule`, and given back to the
 * code with `resetSchedule`.
 */
@Injectable()
export class DashboardSchedules implements OnModuleInit {
  private runtime!: KronosRuntime;

  constructor(
    private readonly scheduler: SchedulerService,
    private readonly moduleRef: ModuleRef,
  ) {}

  onModuleInit(): void {
    this.runtime = this.moduleRef.get(KronosRuntime, { strict: false });
  }

  /** The spec typed for `name`, or an `InvalidScheduleError` naming the job and the value. */
  parse(name: string, text: string): ScheduleSpec {
    const trimmed = text.trim();
    if (trimmed === '')
      throw new InvalidScheduleError(name, 'schedule', text, 'is empty; type a spec such as {"every": "10 minutes"}');
    let spec: unknown;
    try {
      spec = JSON.parse(trimmed);
    } catch {
      throw new InvalidScheduleError(
        name,
        'schedule',
        trimmed,
        'is not JSON; type a spec such as {"every": "10 minutes"} or {"cron": "0 3 * * *"}',
      );
    }
    if (!isScheduleSpec(spec))
      throw new InvalidScheduleError(
        name,
        'schedule',
        trimmed,
        'needs exactly one of every, cron, interval, weekdays, monthdays',
      );
    parseSchedule(name, spec, { timezone: this.runtime.options.timezone });
    return spec;
  }

  /** The next `PREVIEW_RUNS` slots of the typed spec, in the time zone it runs in. */
  preview(name: string, text: string, now: number): SchedulePreview {
    try {
      const spec = this.parse(name, text);
      const schedule = parseSchedule(name, spec, { timezone: this.runtime.options.timezone });
      const timezone = schedule.kind === 'cron' ? schedule.timezone : this.runtime.options.timezone;
      const runs = nextRuns(spec, {
        from: now,
        count: PREVIEW_RUNS,
        timezone: this.runtime.options.timezone,
        job: name,
      }).map((d) => d.getTime());
      return { text, timezone, runs };
    } catch (error) {
      if (error instanceof KronosError) return { text, error: error.message };
      throw error;
    }
  }

  async reschedule(name: string, text: string): Promise<Done> {
    const spec = this.parse(name, text);
    const job = await this.scheduler.reschedule(name, spec);
    return {
      text: `Job "${name}" rescheduled to ${JSON.stringify(spec)} (${job.scheduleDescription ?? 'no description'}).`,
      rows: 1,
    };
  }

  async reset(name: string): Promise<Done> {
    const job = await this.scheduler.resetSchedule(name);
    return { text: `Job "${name}" runs on its schedule from code again: ${job.scheduleDescription ?? '–'}.`, rows: 1 };
  }
}
