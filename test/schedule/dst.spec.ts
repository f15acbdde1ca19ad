import { nextRun, nextRuns, parseSchedule } from '../../lib/schedule/index.js';
import type { ScheduleSpec } from '../../lib/schedule/index.js';
import { t, wall } from './helpers.js';

/**
 * 2026 transitions: Berlin springs forward 2026-03-29 02:00 -> 03:00 and falls back 2026-10-25
 * 03:00 -> 02:00; New York springs forward 2026-03-08 02:00 -> 03:00 and falls back 2026-11-01
 * 02:00 -> 01:00.
 */
const BERLIN = 'Europe/Berlin';
const NEW_YORK = 'America/New_York';
const HOUR = 3_600_000;

/** Every slot (as local wall time) whose local date is `date`. */
function localRunsOn(spec: ScheduleSpec, timezone: string, date: string): string[] {
  const runs = nextRuns({ ...spec, timezone }, { from: t(`${date}T00:00:00Z`) - 2 * 86_400_000, count: 200 });
  return runs.map((run) => wall(run, timezone)).filter((text) => text.startsWith(date));
}

describe('fixed-time schedules across daylight saving time', () => {
  it('a daily 02:30 Berlin job runs exactly once on the spring-forward day, at 03:00 local', () => {
    expect(localRunsOn({ every: 'day', at: '02:30' }, BERLIN, '2026-03-29')).toEqual(['2026-03-29 03:00:00']);
    const slot = nextRun(
      parseSchedule('j', { every: 'day', at: '02:30', timezone: BERLIN }),
      t('2026-03-28T12:00:00Z'),
    );
    expect(new Date(slot!).toISOString()).toBe('2026-03-29T01:00:00.000Z');
  });

  it('a daily 02:30 Berlin job is back at 02:30 the day after spring forward', () => {
    expect(localRunsOn({ every: 'day', at: '02:30' }, BERLIN, '2026-03-30')).toEqual(['2026-03-30 02:30:00']);
  });

  it('a daily 02:30 Berlin job runs exactly once on the fall-back day, at the first 02:30 (summer time)', () => {
    expect(localRunsOn({ every: 'day', at: '02:30' }, BERLIN, '2026-10-25')).toEqual(['2026-10-25 02:30:00']);
    const slot = nextRun(
      parseSchedule('j', { every: 'day', at: '02:30', timezone: BERLIN }),
      t('2026-10-24T12:00:00Z'),
    );
    expect(new Date(slot!).toISOString()).toBe('2026-10-25T00:30:00.000Z');
  });

  it('a daily 02:30 New York job runs once on the spring-forward day, at 03:00 local', () => {
    expect(localRunsOn({ every: 'day', at: '02:30' }, NEW_YORK, '2026-03-08')).toEqual(['2026-03-08 03:00:00']);
  });

  it('a daily 01:30 New York job runs once on the fall-back day, at the first 01:30 (EDT)', () => {
    expect(localRunsOn({ every: 'day', at: '01:30' }, NEW_YORK, '2026-11-01')).toEqual(['2026-11-01 01:30:00']);
    const slot = nextRun(
      parseSchedule('j', { every: 'day', at: '01:30', timezone: NEW_YORK }),
      t('2026-10-31T12:00:00Z'),
    );
    expect(new Date(slot!).toISOString()).toBe('2026-11-01T05:30:00.000Z');
  });

  it('a Sunday 02:30 Berlin job (29 March and 25 October are Sundays) runs once on each transition day', () => {
    expect(localRunsOn({ every: 'sunday', at: '02:30' }, BERLIN, '2026-03-29')).toEqual(['2026-03-29 03:00:00']);
    expect(localRunsOn({ weekdays: [7], at: '02:30' }, BERLIN, '2026-10-25')).toEqual(['2026-10-25 02:30:00']);
  });

  it('a monthday job at 02:30 on the 29th runs once in the spring-forward night', () => {
    expect(localRunsOn({ monthdays: [29], at: '02:30' }, BERLIN, '2026-03-29')).toEqual(['2026-03-29 03:00:00']);
  });

  it('a cron job listing fixed hours (30 2,14 * * *) is a fixed-time job too', () => {
    expect(localRunsOn({ cron: '30 2,14 * * *' }, BERLIN, '2026-03-29')).toEqual([
      '2026-03-29 03:00:00',
      '2026-03-29 14:30:00',
    ]);
    expect(localRunsOn({ cron: '30 2,14 * * *' }, BERLIN, '2026-10-25')).toEqual([
      '2026-10-25 02:30:00',
      '2026-10-25 14:30:00',
    ]);
  });

  it('a job at a time outside the transition keeps its local time on both sides', () => {
    const runs = nextRuns(
      { every: 'day', at: '09:00', timezone: NEW_YORK },
      { from: t('2026-03-06T00:00:00Z'), count: 4 },
    );
    expect(runs.map((run) => wall(run, NEW_YORK).slice(11))).toEqual(['09:00:00', '09:00:00', '09:00:00', '09:00:00']);
    // ...which means 23 hours between the runs either side of the spring-forward night.
    expect(runs[2].getTime() - runs[1].getTime()).toBe(23 * HOUR);
  });
});

describe('hourly and sub-hourly cron jobs across daylight saving time', () => {
  const gaps = (runs: Date[]) => runs.slice(1).map((run, i) => (run.getTime() - runs[i].getTime()) / HOUR);

  it('an hourly Berlin cron job keeps a one-hour cadence in absolute time through spring forward (local 02:00 does not exist)', () => {
    const runs = nextRuns({ cron: '0 * * * *', timezone: BERLIN }, { from: t('2026-03-28T22:30:00Z'), count: 5 });
    expect(gaps(runs)).toEqual([1, 1, 1, 1]);
    expect(runs.map((run) => wall(run, BERLIN).slice(11, 16))).toEqual(['00:00', '01:00', '03:00', '04:00', '05:00']);
  });

  it('an hourly Berlin cron job runs on both 02:00s of the fall-back night, one hour apart', () => {
    const runs = nextRuns({ cron: '0 * * * *', timezone: BERLIN }, { from: t('2026-10-24T22:30:00Z'), count: 5 });
    expect(gaps(runs)).toEqual([1, 1, 1, 1]);
    expect(runs.map((run) => wall(run, BERLIN).slice(11, 16))).toEqual(['01:00', '02:00', '02:00', '03:00', '04:00']);
  });

  it('an hourly New York cron job keeps its cadence through both 2026 transitions', () => {
    const spring = nextRuns({ cron: '0 * * * *', timezone: NEW_YORK }, { from: t('2026-03-08T05:30:00Z'), count: 4 });
    const fall = nextRuns({ cron: '0 * * * *', timezone: NEW_YORK }, { from: t('2026-11-01T04:30:00Z'), count: 4 });
    expect(gaps(spring)).toEqual([1, 1, 1]);
    expect(gaps(fall)).toEqual([1, 1, 1]);
    expect(fall.map((run) => wall(run, NEW_YORK).slice(11, 16))).toEqual(['01:00', '01:00', '02:00', '03:00']);
  });

  it('a */30 cron job runs every 30 minutes of absolute time through the fall-back hour', () => {
    const runs = nextRuns({ cron: '*/30 * * * *', timezone: BERLIN }, { from: t('2026-10-24T23:45:00Z'), count: 6 });
    expect(gaps(runs)).toEqual([0.5, 0.5, 0.5, 0.5, 0.5]);
  });
});

describe('interval schedules ignore daylight saving time', () => {
  it('every hour stays 60 minutes apart through the Berlin spring-forward night', () => {
    const runs = nextRuns({ every: 'hour' }, { from: t('2026-03-29T00:00:00Z'), count: 3 });
    expect(runs.map((run) => run.toISOString())).toEqual([
      '2026-03-29T01:00:00.000Z',
      '2026-03-29T02:00:00.000Z',
      '2026-03-29T03:00:00.000Z',
    ]);
  });

  it('every day without at is exactly 24 hours, so its local time moves by the DST shift', () => {
    const runs = nextRuns({ every: 'day', timezone: BERLIN }, { from: t('2026-03-28T11:00:00Z'), count: 2 });
    expect(runs.map((run) => wall(run, BERLIN))).toEqual(['2026-03-29 13:00:00', '2026-03-30 13:00:00']);
  });

  it('every 2 days at 06:00 keeps 06:00 local across the Berlin fall-back night', () => {
    const runs = nextRuns(
      { every: '2 days', at: '06:00', timezone: BERLIN },
      { from: t('2026-10-23T12:00:00Z'), count: 3 },
    );
    expect(runs.map((run) => wall(run, BERLIN))).toEqual([
      '2026-10-24 06:00:00',
      '2026-10-26 06:00:00',
      '2026-10-28 06:00:00',
    ]);
  });
});

describe('startAt/stopAt written as local wall time', () => {
  it('a wall time inside the spring-forward gap means the same minutes after the gap', () => {
    const limits = parseSchedule('j', { every: 'hour', timezone: BERLIN, startAt: '2026-03-29T02:30' }).limits;
    expect(wall(limits.startAt!, BERLIN)).toBe('2026-03-29 03:30:00');
  });

  it('a wall time repeated by fall back means its first occurrence', () => {
    const limits = parseSchedule('j', { every: 'hour', timezone: BERLIN, startAt: '2026-10-25T02:30' }).limits;
    expect(new Date(limits.startAt!).toISOString()).toBe('2026-10-25T00:30:00.000Z');
  });
});
