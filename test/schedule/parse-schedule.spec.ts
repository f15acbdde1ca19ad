import { isScheduleSpec, parseSchedule } from '../../lib/schedule/index.js';
import type { NormalizedSchedule, ScheduleSpec } from '../../lib/schedule/index.js';
import { t } from './helpers.js';

const DEFAULT_LIMITS = { startAt: null, stopAt: null, repeats: 0, misfire: 'run-once' };

describe('parseSchedule: superdjango "every" grammar', () => {
  it.each([
    ['10 minutes', 600_000],
    ['minute', 60_000],
    ['1 minute', 60_000],
    ['2 hours', 7_200_000],
    ['hour', 3_600_000],
    ['30 seconds', 30_000],
    ['1 second', 1000],
    ['day', 86_400_000],
    ['3 days', 259_200_000],
    ['week', 604_800_000],
    ['2 weeks', 1_209_600_000],
    ['  10   Minutes ', 600_000],
  ])('every %p without at is a plain interval of %p ms', (every, everyMs) => {
    expect(parseSchedule('j', { every })).toMatchObject({ kind: 'interval', everyMs, initialDelayMs: 0 });
  });

  it('an every-interval does not prevent drift by default', () => {
    expect(parseSchedule('j', { every: '10 minutes' }).limits).toEqual({ ...DEFAULT_LIMITS, preventDrift: false });
  });

  it.each([
    ['monday', '30 23 * * 1'],
    ['Tuesday', '30 23 * * 2'],
    ['wednesday', '30 23 * * 3'],
    ['thursday', '30 23 * * 4'],
    ['friday', '30 23 * * 5'],
    ['saturday', '30 23 * * 6'],
    ['sunday', '30 23 * * 0'],
    ['sundays', '30 23 * * 0'],
  ])('every %p at 23:30 runs weekly at that local time', (every, expression) => {
    const schedule = parseSchedule('j', { every, at: '23:30', timezone: 'Europe/Berlin' });
    expect(schedule).toMatchObject({ kind: 'cron', expression, timezone: 'Europe/Berlin' });
    expect(schedule.limits).toEqual({ ...DEFAULT_LIMITS, preventDrift: true });
  });

  it('a weekday without at runs at midnight', () => {
    expect(parseSchedule('j', { every: 'monday' })).toMatchObject({ kind: 'cron', expression: '0 0 * * 1' });
  });

  it.each([['day'], ['1 day'], ['days']])('every %p with at runs every day at that time', (every) => {
    const schedule = parseSchedule('j', { every, at: '06:00' });
    expect(schedule).toMatchObject({ kind: 'cron', expression: '0 6 * * *', timezone: 'UTC' });
    expect(schedule).not.toHaveProperty('dayStep');
  });

  it.each([
    ['2 days', 2],
    ['week', 7],
    ['2 weeks', 14],
  ])('every %p with at runs at that time on every %p-th day', (every, dayStep) => {
    expect(parseSchedule('j', { every, at: '6:05' })).toMatchObject({ kind: 'cron', expression: '5 6 * * *', dayStep });
  });

  it('accepts initialDelay on an every-interval', () => {
    expect(parseSchedule('j', { every: '5 minutes', initialDelay: '30s' })).toMatchObject({ initialDelayMs: 30_000 });
  });
});

describe('parseSchedule: TurboGears grammar', () => {
  it.each([
    [60_000, 60_000],
    ['90s', 90_000],
    ['5m', 300_000],
    ['1 hour', 3_600_000],
  ])('interval %p is %p ms', (interval, everyMs) => {
    expect(parseSchedule('j', { interval })).toMatchObject({ kind: 'interval', everyMs, initialDelayMs: 0 });
  });

  it('interval takes an initialDelay', () => {
    expect(parseSchedule('j', { interval: '5m', initialDelay: '90s' })).toMatchObject({
      everyMs: 300_000,
      initialDelayMs: 90_000,
    });
    expect(parseSchedule('j', { interval: '5m', initialDelay: 0 })).toMatchObject({ initialDelayMs: 0 });
  });

  it('weekdays use 1 = Monday ... 7 = Sunday', () => {
    expect(parseSchedule('j', { weekdays: [7, 1, 3, 1], at: '08:00' })).toMatchObject({
      kind: 'cron',
      expression: '0 8 * * 0,1,3',
    });
  });

  it('weekdays accept timeOfDay [h, m]', () => {
    expect(parseSchedule('j', { weekdays: [5], timeOfDay: [17, 45] })).toMatchObject({ expression: '45 17 * * 5' });
  });

  it('monthdays run at at/timeOfDay, default midnight', () => {
    expect(parseSchedule('j', { monthdays: [15, 1], at: '02:30' })).toMatchObject({
      kind: 'cron',
      expression: '30 2 1,15 * *',
    });
    expect(parseSchedule('j', { monthdays: [31], timeOfDay: [0, 0] })).toMatchObject({ expression: '0 0 31 * *' });
    expect(parseSchedule('j', { monthdays: [29] })).toMatchObject({ expression: '0 0 29 * *' });
  });
});

describe('parseSchedule: cron', () => {
  it('accepts a 5-field expression in a time zone', () => {
    expect(parseSchedule('j', { cron: '*/5 * * * *', timezone: 'America/New_York' })).toEqual({
      kind: 'cron',
      expression: '*/5 * * * *',
      timezone: 'America/New_York',
      limits: { ...DEFAULT_LIMITS, preventDrift: true },
      label: 'cron */5 * * * * America/New_York',
    });
  });

  it('accepts a 6-field expression with seconds first and tidies whitespace', () => {
    expect(parseSchedule('j', { cron: ' 30  0 12 * * 1-5 ' })).toMatchObject({ expression: '30 0 12 * * 1-5' });
  });
});

describe('parseSchedule: limits', () => {
  it('reads startAt/stopAt as Date, epoch ms or ISO text', () => {
    const limits = parseSchedule('j', {
      every: 'minute',
      startAt: new Date('2026-01-01T00:00:00Z'),
      stopAt: t('2026-02-01T00:00:00Z'),
    }).limits;
    expect(limits).toMatchObject({ startAt: t('2026-01-01T00:00:00Z'), stopAt: t('2026-02-01T00:00:00Z') });
    const fromText = parseSchedule('j', { every: 'minute', startAt: '2026-01-01T01:00:00+01:00' }).limits;
    expect(fromText.startAt).toBe(t('2026-01-01T00:00:00Z'));
  });

  it('reads ISO text without an offset as wall time in the schedule time zone', () => {
    const berlin = parseSchedule('j', {
      cron: '0 * * * *',
      timezone: 'Europe/Berlin',
      startAt: '2026-07-01T06:00',
      stopAt: '2026-12-24',
    }).limits;
    expect(berlin.startAt).toBe(t('2026-07-01T04:00:00Z'));
    expect(berlin.stopAt).toBe(t('2026-12-23T23:00:00Z'));
  });

  it('applies repeats, preventDrift and misfire as given', () => {
    expect(parseSchedule('j', { interval: '1m', repeats: 3, preventDrift: true, misfire: 'run-all' }).limits).toEqual({
      startAt: null,
      stopAt: null,
      repeats: 3,
      preventDrift: true,
      misfire: 'run-all',
    });
    expect(parseSchedule('j', { cron: '0 * * * *', preventDrift: false, misfire: 'skip' }).limits).toMatchObject({
      preventDrift: false,
      misfire: 'skip',
    });
  });

  it('uses the spec time zone, else the default, else UTC', () => {
    const spec = { every: 'monday', at: '09:00' };
    expect(parseSchedule('j', spec)).toMatchObject({ timezone: 'UTC' });
    expect(parseSchedule('j', spec, { timezone: 'Asia/Tokyo' })).toMatchObject({ timezone: 'Asia/Tokyo' });
    expect(parseSchedule('j', { ...spec, timezone: 'Europe/Paris' }, { timezone: 'Asia/Tokyo' })).toMatchObject({
      timezone: 'Europe/Paris',
    });
  });

  it('ignores job options carried in the same object', () => {
    const spec = {
      every: '2 minutes',
      timeout: '30s',
      retries: 3,
      group: 'io',
      priority: 5,
      description: 'sync',
      active: false,
    } as ScheduleSpec;
    expect(parseSchedule('j', spec)).toMatchObject({ kind: 'interval', everyMs: 120_000 });
  });

  it('treats a schedule key set to undefined as absent', () => {
    expect(parseSchedule('j', { every: '1 minute', cron: undefined })).toMatchObject({ kind: 'interval' });
  });
});

describe('the normalised schedule', () => {
  it('is plain JSON that survives a database round trip', () => {
    const specs: ScheduleSpec[] = [
      { every: '10 minutes', startAt: new Date('2026-01-01T00:00:00Z') },
      { every: '2 days', at: '06:00', timezone: 'Europe/Berlin' },
      { monthdays: [1, 15], at: '02:30', stopAt: '2027-01-01T00:00:00Z', repeats: 12 },
      { cron: '0 0 * * 0', misfire: 'skip' },
    ];
    for (const spec of specs) {
      const schedule: NormalizedSchedule = parseSchedule('j', spec);
      expect(JSON.parse(JSON.stringify(schedule))).toEqual(schedule);
    }
  });
});

describe('isScheduleSpec', () => {
  it.each([
    [{ every: 'minute' }, true],
    [{ cron: '* * * * *', timeout: '1m' }, true],
    [{ interval: 1000 }, true],
    [{ weekdays: [1] }, true],
    [{ monthdays: [1] }, true],
    [{ every: 'minute', cron: '* * * * *' }, false],
    [{ timeout: '1m' }, false],
    [{}, false],
    [null, false],
    ['every minute', false],
    [[{ every: 'minute' }], false],
  ])('%j -> %p', (value, expected) => {
    expect(isScheduleSpec(value)).toBe(expected);
  });
});
