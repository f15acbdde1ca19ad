import { hasRunsLeft, lastSlotAtOrBefore, nextRun, parseSchedule, slotsBetween } from '../../lib/schedule/index.js';
import type { NormalizedSchedule, ScheduleSpec } from '../../lib/schedule/index.js';
import { iso, t, wall } from './helpers.js';

/** The next `n` slots after `from`, chained the way the worker chains them. */
function chain(schedule: NormalizedSchedule, from: number, n: number, anchor?: number): Array<string | null> {
  const out: Array<string | null> = [];
  let cursor: number | null = from;
  for (let i = 0; i < n && cursor !== null; i++) {
    cursor = nextRun(schedule, cursor, anchor);
    out.push(iso(cursor));
  }
  return out;
}

const parse = (spec: ScheduleSpec) => parseSchedule('job', spec);

describe('interval schedules', () => {
  const tenMinutes = parse({ every: '10 minutes' });

  it('run every period after the anchor', () => {
    expect(chain(tenMinutes, t('2026-01-01T12:00:00Z'), 3, t('2026-01-01T12:00:00Z'))).toEqual([
      '2026-01-01T12:10:00.000Z',
      '2026-01-01T12:20:00.000Z',
      '2026-01-01T12:30:00.000Z',
    ]);
  });

  it('stay on the anchor grid whatever instant they are asked from', () => {
    expect(iso(nextRun(tenMinutes, t('2026-01-01T12:34:56Z'), t('2026-01-01T12:00:00Z')))).toBe(
      '2026-01-01T12:40:00.000Z',
    );
  });

  it('return only slots strictly after the given instant', () => {
    expect(iso(nextRun(tenMinutes, t('2026-01-01T12:10:00Z'), t('2026-01-01T12:00:00Z')))).toBe(
      '2026-01-01T12:20:00.000Z',
    );
  });

  it('without an anchor count from the given instant', () => {
    expect(iso(nextRun(tenMinutes, t('2026-01-01T12:03:00Z')))).toBe('2026-01-01T12:13:00.000Z');
  });

  it('wait initialDelay for the first run, then every period', () => {
    const schedule = parse({ interval: '5m', initialDelay: '90s' });
    expect(chain(schedule, t('2026-01-01T12:00:00Z'), 3, t('2026-01-01T12:00:00Z'))).toEqual([
      '2026-01-01T12:01:30.000Z',
      '2026-01-01T12:06:30.000Z',
      '2026-01-01T12:11:30.000Z',
    ]);
  });

  it('start exactly at startAt when it is in the future', () => {
    const schedule = parse({ interval: '1h', startAt: '2026-01-02T00:00:00Z' });
    expect(chain(schedule, t('2026-01-01T08:17:00Z'), 2)).toEqual([
      '2026-01-02T00:00:00.000Z',
      '2026-01-02T01:00:00.000Z',
    ]);
  });

  it('never run before startAt even with an earlier anchor', () => {
    const schedule = parse({ interval: '1h', startAt: '2026-01-02T00:30:00Z' });
    expect(iso(nextRun(schedule, t('2026-01-01T00:00:00Z'), t('2026-01-01T00:00:00Z')))).toBe(
      '2026-01-02T01:00:00.000Z',
    );
  });

  it('include a slot exactly at stopAt and nothing after it', () => {
    const schedule = parse({ interval: '1h', startAt: '2026-01-01T00:00:00Z', stopAt: '2026-01-01T02:00:00Z' });
    expect(chain(schedule, t('2025-12-31T00:00:00Z'), 4)).toEqual([
      '2026-01-01T00:00:00.000Z',
      '2026-01-01T01:00:00.000Z',
      '2026-01-01T02:00:00.000Z',
      null,
    ]);
  });
});

describe('cron schedules', () => {
  it('run on every matching minute', () => {
    expect(chain(parse({ cron: '*/5 * * * *' }), t('2026-01-01T12:03:00Z'), 2)).toEqual([
      '2026-01-01T12:05:00.000Z',
      '2026-01-01T12:10:00.000Z',
    ]);
  });

  it('support a seconds field', () => {
    expect(chain(parse({ cron: '*/20 * * * * *' }), t('2026-01-01T12:00:00Z'), 3)).toEqual([
      '2026-01-01T12:00:20.000Z',
      '2026-01-01T12:00:40.000Z',
      '2026-01-01T12:01:00.000Z',
    ]);
  });

  it('run on a day matching day-of-month OR day-of-week, as classic cron does', () => {
    // 2026-01-05 is a Monday; 2026-02-01 is a Sunday and the 1st.
    const slots = chain(parse({ cron: '0 0 1 * 1' }), t('2026-01-25T00:00:00Z'), 3);
    expect(slots).toEqual(['2026-01-26T00:00:00.000Z', '2026-02-01T00:00:00.000Z', '2026-02-02T00:00:00.000Z']);
  });

  it('read the expression in the schedule time zone', () => {
    const schedule = parse({ cron: '0 9 * * *', timezone: 'Asia/Tokyo' });
    expect(iso(nextRun(schedule, t('2026-01-01T00:00:00Z')))).toBe('2026-01-02T00:00:00.000Z');
  });

  it('include a slot exactly at startAt', () => {
    const schedule = parse({ cron: '0 * * * *', startAt: '2026-01-01T05:00:00Z' });
    expect(iso(nextRun(schedule, t('2026-01-01T00:00:00Z')))).toBe('2026-01-01T05:00:00.000Z');
  });

  it('return null once stopAt has passed', () => {
    const schedule = parse({ cron: '0 * * * *', stopAt: '2026-01-01T05:30:00Z' });
    expect(iso(nextRun(schedule, t('2026-01-01T05:00:00Z')))).toBeNull();
  });
});

describe('weekday schedules', () => {
  it('every Sunday at 23:30 Berlin runs Sunday evenings local time', () => {
    const schedule = parse({ every: 'sunday', at: '23:30', timezone: 'Europe/Berlin' });
    const slots = chain(schedule, t('2026-01-01T00:00:00Z'), 2) as string[];
    expect(slots).toEqual(['2026-01-04T22:30:00.000Z', '2026-01-11T22:30:00.000Z']);
    // In summer Berlin is UTC+2.
    expect(iso(nextRun(schedule, t('2026-07-01T00:00:00Z')))).toBe('2026-07-05T21:30:00.000Z');
  });

  it('weekdays [1, 3, 5] run Monday, Wednesday and Friday', () => {
    const schedule = parse({ weekdays: [1, 3, 5], at: '08:00', timezone: 'America/New_York' });
    const slots = chain(schedule, t('2026-01-04T00:00:00Z'), 4).map((s) => wall(t(s!), 'America/New_York'));
    expect(slots).toEqual(['2026-01-05 08:00:00', '2026-01-07 08:00:00', '2026-01-09 08:00:00', '2026-01-12 08:00:00']);
  });

  it('weekday 7 is Sunday', () => {
    expect(iso(nextRun(parse({ weekdays: [7] }), t('2026-01-01T00:00:00Z')))).toBe('2026-01-04T00:00:00.000Z');
  });
});

describe('monthday schedules', () => {
  const days = (spec: ScheduleSpec, from: string, n: number) =>
    chain(parse(spec), t(from), n).map((s) => s!.slice(0, 10));

  it('day 31 runs only in months that have 31 days', () => {
    expect(days({ monthdays: [31] }, '2026-01-01T00:00:00Z', 7)).toEqual([
      '2026-01-31',
      '2026-03-31',
      '2026-05-31',
      '2026-07-31',
      '2026-08-31',
      '2026-10-31',
      '2026-12-31',
    ]);
  });

  it('day 29 skips February in a non-leap year', () => {
    expect(days({ monthdays: [29] }, '2026-01-01T00:00:00Z', 2)).toEqual(['2026-01-29', '2026-03-29']);
  });

  it('day 29 runs on 29 February in a leap year', () => {
    expect(days({ monthdays: [29] }, '2028-01-01T00:00:00Z', 3)).toEqual(['2028-01-29', '2028-02-29', '2028-03-29']);
  });

  it('day 30 never runs in February, even in a leap year', () => {
    expect(days({ monthdays: [30] }, '2028-01-01T00:00:00Z', 2)).toEqual(['2028-01-30', '2028-03-30']);
  });

  it('days 29, 30 and 31 across a leap February run only on the 29th', () => {
    expect(days({ monthdays: [29, 30, 31] }, '2028-01-28T00:00:00Z', 5)).toEqual([
      '2028-01-29',
      '2028-01-30',
      '2028-01-31',
      '2028-02-29',
      '2028-03-29',
    ]);
  });

  it('days 29, 30 and 31 across a non-leap February do not run in February', () => {
    expect(days({ monthdays: [29, 30, 31] }, '2027-01-31T00:00:00Z', 2)).toEqual(['2027-03-29', '2027-03-30']);
  });

  it('a missing day is skipped, not moved to the last day of the month', () => {
    expect(days({ monthdays: [1, 31] }, '2026-04-01T00:00:00Z', 2)).toEqual(['2026-05-01', '2026-05-31']);
  });

  it('monthdays run at their time of day in the time zone', () => {
    const schedule = parse({ monthdays: [1, 15], at: '02:30', timezone: 'Europe/Berlin' });
    expect(iso(nextRun(schedule, t('2026-01-02T00:00:00Z')))).toBe('2026-01-15T01:30:00.000Z');
  });
});

describe('daily and every-n-days schedules with at', () => {
  it('every day at 06:00 runs daily at 06:00 local', () => {
    const schedule = parse({ every: 'day', at: '06:00', timezone: 'Europe/Berlin' });
    expect(chain(schedule, t('2026-01-01T12:00:00Z'), 2)).toEqual([
      '2026-01-02T05:00:00.000Z',
      '2026-01-03T05:00:00.000Z',
    ]);
  });

  it('every 2 days at 06:00 starts at the first 06:00 after the anchor, then every other day', () => {
    const schedule = parse({ every: '2 days', at: '06:00', timezone: 'Europe/Berlin' });
    const anchor = t('2026-03-25T12:00:00Z');
    const slots = chain(schedule, anchor, 4, anchor).map((s) => wall(t(s!), 'Europe/Berlin'));
    // The local time stays 06:00 across the spring-forward night of 29 March.
    expect(slots).toEqual(['2026-03-26 06:00:00', '2026-03-28 06:00:00', '2026-03-30 06:00:00', '2026-04-01 06:00:00']);
  });

  it('every 2 days keeps its rhythm when chained from each slot without an anchor', () => {
    const schedule = parse({ every: '2 days', at: '06:00' });
    expect(chain(schedule, t('2026-01-01T05:00:00Z'), 3)).toEqual([
      '2026-01-01T06:00:00.000Z',
      '2026-01-03T06:00:00.000Z',
      '2026-01-05T06:00:00.000Z',
    ]);
  });

  it('every 2 days asked from mid-cycle stays on the anchored days', () => {
    const schedule = parse({ every: '2 days', at: '06:00' });
    expect(iso(nextRun(schedule, t('2026-01-02T07:00:00Z'), t('2026-01-01T00:00:00Z')))).toBe(
      '2026-01-03T06:00:00.000Z',
    );
    expect(iso(nextRun(schedule, t('2026-01-03T07:00:00Z'), t('2026-01-01T00:00:00Z')))).toBe(
      '2026-01-05T06:00:00.000Z',
    );
  });

  it('every week at 09:00 runs on the weekday of its first slot', () => {
    const schedule = parse({ every: 'week', at: '09:00', startAt: '2026-01-07T00:00:00Z' }); // a Wednesday
    expect(chain(schedule, t('2026-01-01T00:00:00Z'), 3)).toEqual([
      '2026-01-07T09:00:00.000Z',
      '2026-01-14T09:00:00.000Z',
      '2026-01-21T09:00:00.000Z',
    ]);
  });
});

describe('slotsBetween', () => {
  it('lists the slots in (from, to], oldest first, up to the cap', () => {
    const schedule = parse({ cron: '0 * * * *' });
    expect(slotsBetween(schedule, t('2026-01-01T00:00:00Z'), t('2026-01-01T03:00:00Z'), 10).map(iso)).toEqual([
      '2026-01-01T01:00:00.000Z',
      '2026-01-01T02:00:00.000Z',
      '2026-01-01T03:00:00.000Z',
    ]);
    expect(slotsBetween(schedule, t('2026-01-01T00:00:00Z'), t('2026-01-02T00:00:00Z'), 2)).toHaveLength(2);
  });

  it('follows the interval grid of the anchor', () => {
    const schedule = parse({ interval: '15m' });
    expect(
      slotsBetween(schedule, t('2026-01-01T00:20:00Z'), t('2026-01-01T01:00:00Z'), 10, t('2026-01-01T00:00:00Z')).map(
        iso,
      ),
    ).toEqual(['2026-01-01T00:30:00.000Z', '2026-01-01T00:45:00.000Z', '2026-01-01T01:00:00.000Z']);
  });
});

describe('lastSlotAtOrBefore', () => {
  it('finds the latest slot at or before an instant', () => {
    expect(iso(lastSlotAtOrBefore(parse({ cron: '0 * * * *' }), t('2026-01-01T05:00:00Z')))).toBe(
      '2026-01-01T05:00:00.000Z',
    );
    expect(
      iso(lastSlotAtOrBefore(parse({ interval: '1h' }), t('2026-01-01T05:59:00Z'), t('2026-01-01T00:30:00Z'))),
    ).toBe('2026-01-01T05:30:00.000Z');
  });

  it('respects an every-n-days rhythm', () => {
    const schedule = parse({ every: '2 days', at: '06:00' });
    expect(iso(lastSlotAtOrBefore(schedule, t('2026-01-04T12:00:00Z'), t('2026-01-01T00:00:00Z')))).toBe(
      '2026-01-03T06:00:00.000Z',
    );
  });

  it('returns null before startAt', () => {
    expect(
      lastSlotAtOrBefore(parse({ cron: '0 * * * *', startAt: '2026-01-02T00:00:00Z' }), t('2026-01-01T12:00:00Z')),
    ).toBeNull();
  });
});

describe('repeats', () => {
  it('0 allows runs forever; n allows n runs', () => {
    expect(hasRunsLeft(parse({ every: 'minute' }), 1_000_000)).toBe(true);
    const three = parse({ every: 'minute', repeats: 3 });
    expect([0, 2, 3, 4].map((n) => hasRunsLeft(three, n))).toEqual([true, true, false, false]);
  });
});
