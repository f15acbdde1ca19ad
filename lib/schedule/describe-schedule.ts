import { parseSchedule } from './parse-schedule.js';
import type { NormalizedSchedule, ScheduleSpec } from './schedule.types.js';
import { cronWords, durationWords, intervalWords } from './wording.js';

function coreWords(schedule: NormalizedSchedule, spec?: ScheduleSpec): string {
  if (spec !== undefined) {
    try {
      const timezone = schedule.kind === 'cron' ? schedule.timezone : undefined;
      const label = parseSchedule('(describe)', spec, { timezone }).label;
      if (label) return label;
    } catch {
      // An invalid spec cannot be worded: describe the normalised schedule instead.
    }
  }
  if (schedule.label) return schedule.label;
  if (schedule.kind === 'interval') {
    const words = intervalWords(schedule.everyMs);
    return schedule.initialDelayMs > 0 ? `${words}, first after ${durationWords(schedule.initialDelayMs)}` : words;
  }
  const words = cronWords(schedule.expression, schedule.timezone);
  return schedule.dayStep && schedule.dayStep > 1 ? `${words}, every ${schedule.dayStep} days` : words;
}

/**
 * Human wording of a schedule, e.g. `'every 10 minutes'`, `'every Sunday at 23:30 Europe/Berlin'`,
 * `'at 02:30 on days 1 and 15 of the month UTC'`, `'cron *\/5 * * * * UTC'`, followed by its
 * limits when set (`', from 2026-01-01T00:00:00.000Z'`, `', until ...'`, `', 3 times'`).
 *
 * The wording follows the spec as written: the `spec` when given, else the label `parseSchedule`
 * stored in the normalised value, else the normalised form itself (interval or cron expression).
 */
export function describeSchedule(schedule: NormalizedSchedule, spec?: ScheduleSpec): string {
  const parts = [coreWords(schedule, spec)];
  const { startAt, stopAt, repeats } = schedule.limits;
  if (startAt !== null) parts.push(`from ${new Date(startAt).toISOString()}`);
  if (stopAt !== null) parts.push(`until ${new Date(stopAt).toISOString()}`);
  if (repeats > 0) parts.push(repeats === 1 ? 'once' : `${repeats} times`);
  return parts.join(', ');
}
