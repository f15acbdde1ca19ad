import { InvalidScheduleError } from '../../lib/errors.js';
import { describeSchedule, nextRun, nextRuns, parseSchedule } from '../../lib/schedule/index.js';
import type { NormalizedSchedule, ScheduleSpec } from '../../lib/schedule/index.js';
import { t } from './helpers.js';

describe('describeSchedule', () => {
  it.each<[ScheduleSpec, string]>([
    [{ every: '10 minutes' }, 'every 10 minutes'],
    [{ every: 'minute' }, 'every minute'],
    [{ every: '2 hours' }, 'every 2 hours'],
    [{ interval: '90s' }, 'every 90 seconds'],
    [{ interval: 5_400_000 }, 'every 90 minutes'],
    [{ interval: '5m', initialDelay: '90s' }, 'every 5 minutes, first after 90 seconds'],
    [{ every: 'sunday', at: '23:30', timezone: 'Europe/Berlin' }, 'every Sunday at 23:30 Europe/Berlin'],
    [{ every: 'monday' }, 'every Monday at 00:00 UTC'],
    [{ weekdays: [5, 1, 3], at: '8:00' }, 'every Monday, Wednesday and Friday at 08:00 UTC'],
    [{ monthdays: [1, 15], at: '02:30' }, 'at 02:30 on days 1 and 15 of the month UTC'],
    [{ monthdays: [31], timeOfDay: [23, 5] }, 'at 23:05 on day 31 of the month UTC'],
    [{ every: 'day', at: '06:00' }, 'every day at 06:00 UTC'],
    [{ every: '2 days', at: '06:00', timezone: 'Europe/Berlin' }, 'every 2 days at 06:00 Europe/Berlin'],
    [{ every: 'week', at: '09:00' }, 'every week at 09:00 UTC'],
    [{ cron: '*/5 * * * *' }, 'cron */5 * * * * UTC'],
  ])('%j reads "%s"', (spec, words) => {
    expect(describeSchedule(parseSchedule('j', spec))).toBe(words);
  });

  it('appends startAt, stopAt and repeats', () => {
    const schedule = parseSchedule('j', {
      every: '10 minutes',
      startAt: '2026-01-01T00:00:00Z',
      stopAt: '2026-02-01T00:00:00Z',
      repeats: 3,
    });
    expect(describeSchedule(schedule)).toBe(
      'every 10 minutes, from 2026-01-01T00:00:00.000Z, until 2026-02-01T00:00:00.000Z, 3 times',
    );
    expect(describeSchedule(parseSchedule('j', { cron: '0 0 * * *', repeats: 1 }))).toBe('cron 0 0 * * * UTC, once');
  });

  it('keeps the wording of the spec as written when the spec is given', () => {
    const bare: NormalizedSchedule = {
      kind: 'cron',
      expression: '30 23 * * 0',
      timezone: 'Europe/Berlin',
      limits: parseSchedule('j', { cron: '* * * * *' }).limits,
    };
    expect(describeSchedule(bare)).toBe('cron 30 23 * * 0 Europe/Berlin');
    expect(describeSchedule(bare, { every: 'sunday', at: '23:30' })).toBe('every Sunday at 23:30 Europe/Berlin');
  });

  it('uses the label stored with the schedule after a JSON round trip', () => {
    const stored = JSON.parse(
      JSON.stringify(parseSchedule('j', { weekdays: [6, 7], at: '10:00' })),
    ) as NormalizedSchedule;
    expect(describeSchedule(stored)).toBe('every Saturday and Sunday at 10:00 UTC');
  });

  it('describes a bare interval from its period', () => {
    const bare: NormalizedSchedule = {
      kind: 'interval',
      everyMs: 7_200_000,
      initialDelayMs: 0,
      limits: parseSchedule('j', { every: 'minute' }).limits,
    };
    expect(describeSchedule(bare)).toBe('every 2 hours');
  });
});

describe('nextRuns (schedule preview)', () => {
  const from = new Date('2026-01-01T00:00:00Z');

  it('returns the next 5 instants by default', () => {
    const runs = nextRuns({ every: 'sunday', at: '23:30', timezone: 'Europe/Berlin' }, { from });
    expect(runs.map((run) => run.toISOString())).toEqual([
      '2026-01-04T22:30:00.000Z',
      '2026-01-11T22:30:00.000Z',
      '2026-01-18T22:30:00.000Z',
      '2026-01-25T22:30:00.000Z',
      '2026-02-01T22:30:00.000Z',
    ]);
  });

  it('returns count instants and accepts epoch ms', () => {
    expect(
      nextRuns({ cron: '0 12 * * *' }, { from: from.getTime(), count: 2 }).map((run) => run.toISOString()),
    ).toEqual(['2026-01-01T12:00:00.000Z', '2026-01-02T12:00:00.000Z']);
  });

  it('anchors an interval at from, after its initialDelay', () => {
    expect(
      nextRuns({ interval: '1h', initialDelay: '5m' }, { from, count: 3 }).map((run) => run.toISOString()),
    ).toEqual(['2026-01-01T00:05:00.000Z', '2026-01-01T01:05:00.000Z', '2026-01-01T02:05:00.000Z']);
  });

  it('anchors an interval at startAt when given', () => {
    const runs = nextRuns({ interval: '1h', startAt: '2025-12-31T23:20:00Z' }, { from, count: 2 });
    expect(runs.map((run) => run.toISOString())).toEqual(['2026-01-01T00:20:00.000Z', '2026-01-01T01:20:00.000Z']);
  });

  it('uses the timezone option when the spec has none', () => {
    const [run] = nextRuns({ every: 'day', at: '09:00' }, { from, count: 1, timezone: 'Asia/Tokyo' });
    // 09:00 in Tokyo is 00:00 UTC; from is exactly that instant, so the first run is the next day.
    expect(run.toISOString()).toBe('2026-01-02T00:00:00.000Z');
  });

  it('stops after repeats runs and at stopAt', () => {
    expect(nextRuns({ every: 'hour', repeats: 2 }, { from, count: 5 })).toHaveLength(2);
    expect(nextRuns({ every: 'hour', stopAt: '2026-01-01T03:00:00Z' }, { from, count: 5 })).toHaveLength(3);
  });

  it('gives the same instants as the worker chaining nextRun', () => {
    const spec: ScheduleSpec = { every: '2 days', at: '06:00', timezone: 'America/New_York' };
    const schedule = parseSchedule('j', spec);
    const chained: number[] = [];
    let cursor = from.getTime();
    for (let i = 0; i < 4; i++) chained.push((cursor = nextRun(schedule, cursor, from.getTime())!));
    expect(nextRuns(spec, { from, count: 4 }).map((run) => run.getTime())).toEqual(chained);
  });

  it('throws the same InvalidScheduleError as start-up, naming "(preview)" by default', () => {
    expect(() => nextRuns({ every: '10 fortnights' }, { from })).toThrow(InvalidScheduleError);
    expect(() => nextRuns({ every: '10 fortnights' }, { from })).toThrow('"(preview)"');
    expect(() => nextRuns({ weekdays: [8] }, { from, job: 'weekly-report' })).toThrow(/"weekly-report".*weekdays 8/);
  });

  it('does not need a real clock: from fixes the starting instant', () => {
    expect(nextRuns({ cron: '0 0 1 1 *' }, { from: t('2030-06-01T00:00:00Z'), count: 1 })[0].toISOString()).toBe(
      '2031-01-01T00:00:00.000Z',
    );
  });
});
