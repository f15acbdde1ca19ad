import { InvalidScheduleError } from '../../lib/errors.js';
import { parseSchedule } from '../../lib/schedule/index.js';
import type { ScheduleSpec } from '../../lib/schedule/index.js';

/** Parse `spec` for job "nightly" and return the error it must raise. */
function rejection(spec: unknown, defaults?: { timezone?: string }): InvalidScheduleError {
  try {
    parseSchedule('nightly', spec as ScheduleSpec, defaults);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidScheduleError);
    return error as InvalidScheduleError;
  }
  throw new Error(`spec ${JSON.stringify(spec)} was accepted`);
}

describe('an invalid schedule is rejected with an error naming the job, field and value', () => {
  it.each<[string, unknown, string, string]>([
    ['an unknown every unit', { every: '10 fortnights' }, 'every', '10 fortnights'],
    ['an every that is not "<n> <unit>"', { every: 'sometimes soon' }, 'every', 'sometimes soon'],
    ['a fractional every count', { every: '1.5 hours' }, 'every', '1.5 hours'],
    ['an every of zero units', { every: '0 minutes' }, 'every', '0 minutes'],
    ['a counted weekday', { every: '2 mondays' }, 'every', '2 mondays'],
    ['at 25:00', { every: 'day', at: '25:00' }, 'at', '25:00'],
    ['at 7:60', { every: 'monday', at: '7:60' }, 'at', '7:60'],
    ['at in 12-hour form', { weekdays: [1], at: '7pm' }, 'at', '7pm'],
    ['at on a sub-day every', { every: '2 hours', at: '06:00' }, 'at', '06:00'],
    ['at on an interval', { interval: '1h', at: '06:00' }, 'at', '06:00'],
    ['at on a cron', { cron: '0 6 * * *', at: '06:00' }, 'at', '06:00'],
    ['timeOfDay out of range', { monthdays: [1], timeOfDay: [24, 0] }, 'timeOfDay', '[24,0]'],
    ['both at and timeOfDay', { weekdays: [1], at: '06:00', timeOfDay: [6, 0] }, 'timeOfDay', '[6,0]'],
    ['weekday 8', { weekdays: [1, 8], at: '06:00' }, 'weekdays', '8'],
    ['weekday 0', { weekdays: [0] }, 'weekdays', '0'],
    ['a fractional weekday', { weekdays: [1.5] }, 'weekdays', '1.5'],
    ['an empty weekday list', { weekdays: [] }, 'weekdays', '[]'],
    ['monthday 32', { monthdays: [1, 32] }, 'monthdays', '32'],
    ['monthday 0', { monthdays: [0] }, 'monthdays', '0'],
    ['every together with cron', { every: 'minute', cron: '* * * * *' }, 'cron', '* * * * *'],
    ['interval together with weekdays', { interval: 1000, weekdays: [1] }, 'weekdays', '[1]'],
    ['no schedule at all', { timeout: '30s' }, 'schedule', 'timeout'],
    ['a minute out of range', { cron: '61 * * * *' }, 'cron', '61 * * * *'],
    ['an hour out of range', { cron: '0 24 * * *' }, 'cron', '0 24 * * *'],
    ['a second out of range', { cron: '60 0 0 * * *' }, 'cron', '60 0 0 * * *'],
    ['a month out of range', { cron: '0 0 1 13 *' }, 'cron', '0 0 1 13 *'],
    ['a day-of-week out of range', { cron: '0 0 * * 8' }, 'cron', '0 0 * * 8'],
    ['four cron fields', { cron: '* * * *' }, 'cron', '* * * *'],
    ['seven cron fields', { cron: '0 0 0 1 1 * 2030' }, 'cron', '0 0 0 1 1 * 2030'],
    ['a cron that never matches', { cron: '0 0 30 2 *' }, 'cron', '0 0 30 2 *'],
    ['an unknown time zone', { cron: '* * * * *', timezone: 'Mars/Olympus' }, 'timezone', 'Mars/Olympus'],
    ['a UTC offset instead of a zone', { every: 'monday', timezone: '+02:00' }, 'timezone', '+02:00'],
    ['a zero interval', { interval: 0 }, 'interval', '0'],
    ['a negative interval', { interval: -5000 }, 'interval', '-5000'],
    ['an interval that is not a duration', { interval: 'soon' }, 'interval', 'soon'],
    ['a negative initialDelay', { interval: '1m', initialDelay: -1 }, 'initialDelay', '-1'],
    ['initialDelay on a calendar schedule', { weekdays: [1], initialDelay: '1m' }, 'initialDelay', '1m'],
    [
      'stopAt before startAt',
      { every: 'minute', startAt: '2026-02-01T00:00:00Z', stopAt: '2026-01-01T00:00:00Z' },
      'stopAt',
      '2026-01-01T00:00:00Z',
    ],
    ['an unreadable startAt', { every: 'minute', startAt: 'tomorrow' }, 'startAt', 'tomorrow'],
    ['an impossible calendar date', { every: 'minute', stopAt: '2026-02-30' }, 'stopAt', '2026-02-30'],
    ['non-integer repeats', { every: 'minute', repeats: 2.5 }, 'repeats', '2.5'],
    ['negative repeats', { every: 'minute', repeats: -1 }, 'repeats', '-1'],
    ['an unknown misfire policy', { every: 'minute', misfire: 'run-twice' }, 'misfire', 'run-twice'],
    ['a non-boolean preventDrift', { every: 'minute', preventDrift: 'yes' }, 'preventDrift', 'yes'],
  ])('rejects %s', (_name, spec, field, value) => {
    const error = rejection(spec);
    expect(error.job).toBe('nightly');
    expect(error.field).toBe(field);
    expect(error.message).toContain('"nightly"');
    expect(error.message).toContain(field);
    expect(error.message).toContain(value);
  });

  it('rejects an unknown default time zone', () => {
    const error = rejection({ every: 'monday' }, { timezone: 'Nowhere/City' });
    expect(error.field).toBe('timezone');
    expect(error.message).toContain('Nowhere/City');
  });

  it('rejects a spec that is not an object', () => {
    expect(rejection('every 10 minutes').field).toBe('schedule');
    expect(rejection(null).field).toBe('schedule');
  });

  it('explains which cron field is out of range, as the user wrote it', () => {
    expect(rejection({ cron: '61 * * * *' }).message).toContain('minute field "61" is outside 0-59');
    expect(rejection({ cron: '0 0 1 13 *' }).message).toContain('month field "13" is outside 1-12');
    expect(rejection({ cron: '0 0 0 32 * *' }).message).toContain('day-of-month field "32" is outside 1-31');
  });
});
