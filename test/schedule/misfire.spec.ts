import { nextAfterMisfire, parseSchedule, RUN_ALL_CAP } from '../../lib/schedule/index.js';
import type { MisfirePolicy, ScheduleSpec } from '../../lib/schedule/index.js';
import { iso, t } from './helpers.js';

const after = (spec: ScheduleSpec, scheduledFor: string, endedAt: string, anchor?: string) =>
  iso(
    nextAfterMisfire(
      parseSchedule('job', spec),
      t(scheduledFor),
      t(endedAt),
      anchor === undefined ? undefined : t(anchor),
    ),
  );

const hourly = (misfire?: MisfirePolicy): ScheduleSpec => ({ cron: '0 * * * *', misfire });

describe('a run that ends before the next slot', () => {
  it.each<MisfirePolicy>(['run-once', 'skip', 'run-all'])('is followed by the next slot under %s', (misfire) => {
    expect(after(hourly(misfire), '2026-01-01T10:00:00Z', '2026-01-01T10:05:00Z')).toBe('2026-01-01T11:00:00.000Z');
  });
});

describe("misfire 'run-once' (the default)", () => {
  it('catches up once with the latest missed slot after a run overran one slot', () => {
    expect(after(hourly(), '2026-01-01T10:00:00Z', '2026-01-01T11:20:00Z')).toBe('2026-01-01T11:00:00.000Z');
  });

  it('catches up once with the latest missed slot after hours of downtime', () => {
    expect(after(hourly(), '2026-01-01T10:00:00Z', '2026-01-01T15:20:00Z')).toBe('2026-01-01T15:00:00.000Z');
  });

  it('is back on schedule after the catch-up run', () => {
    expect(after(hourly(), '2026-01-01T15:00:00Z', '2026-01-01T15:21:00Z')).toBe('2026-01-01T16:00:00.000Z');
  });

  it('counts a slot reached exactly when the run ends as missed (it is due now)', () => {
    expect(after(hourly(), '2026-01-01T10:00:00Z', '2026-01-01T11:00:00Z')).toBe('2026-01-01T11:00:00.000Z');
  });
});

describe("misfire 'skip'", () => {
  it('drops missed slots and waits for the first slot after the run ended', () => {
    expect(after(hourly('skip'), '2026-01-01T10:00:00Z', '2026-01-01T15:20:00Z')).toBe('2026-01-01T16:00:00.000Z');
  });
});

describe("misfire 'run-all'", () => {
  it('runs every missed slot in turn, oldest first', () => {
    expect(after(hourly('run-all'), '2026-01-01T10:00:00Z', '2026-01-01T15:20:00Z')).toBe('2026-01-01T11:00:00.000Z');
    expect(after(hourly('run-all'), '2026-01-01T11:00:00Z', '2026-01-01T15:21:00Z')).toBe('2026-01-01T12:00:00.000Z');
  });

  it(`still runs every slot when exactly ${RUN_ALL_CAP} were missed`, () => {
    // 10:00 + 100 hours = 2026-01-05T14:00.
    expect(after(hourly('run-all'), '2026-01-01T10:00:00Z', '2026-01-05T14:30:00Z')).toBe('2026-01-01T11:00:00.000Z');
  });

  it(`behaves like run-once when more than ${RUN_ALL_CAP} slots were missed`, () => {
    expect(after(hourly('run-all'), '2026-01-01T10:00:00Z', '2026-01-05T15:30:00Z')).toBe('2026-01-05T15:00:00.000Z');
  });
});

describe('interval schedules', () => {
  it('by default count the next run from the end of the previous one (drift allowed)', () => {
    expect(after({ every: '10 minutes' }, '2026-01-01T10:00:00Z', '2026-01-01T10:07:00Z')).toBe(
      '2026-01-01T10:17:00.000Z',
    );
  });

  it('by default never catch up, whatever the misfire policy', () => {
    expect(after({ every: '10 minutes', misfire: 'run-all' }, '2026-01-01T10:00:00Z', '2026-01-01T12:00:00Z')).toBe(
      '2026-01-01T12:10:00.000Z',
    );
  });

  it('with preventDrift stay on the grid of the scheduled slots', () => {
    const spec: ScheduleSpec = { every: '10 minutes', preventDrift: true };
    expect(after(spec, '2026-01-01T10:00:00Z', '2026-01-01T10:07:00Z')).toBe('2026-01-01T10:10:00.000Z');
  });

  it.each<[MisfirePolicy, string]>([
    ['run-once', '2026-01-01T10:30:00.000Z'],
    ['skip', '2026-01-01T10:40:00.000Z'],
    ['run-all', '2026-01-01T10:10:00.000Z'],
  ])('with preventDrift apply misfire %s after an overrun', (misfire, expected) => {
    expect(
      after({ interval: '10m', preventDrift: true, misfire }, '2026-01-01T10:00:00Z', '2026-01-01T10:35:00Z'),
    ).toBe(expected);
  });

  it('with preventDrift keep the grid through the scheduled slot when there is an initialDelay', () => {
    const spec: ScheduleSpec = { interval: '10m', initialDelay: '90s', preventDrift: true };
    expect(after(spec, '2026-01-01T12:01:30Z', '2026-01-01T12:02:00Z')).toBe('2026-01-01T12:11:30.000Z');
  });

  it('with preventDrift follow an explicit anchor', () => {
    const spec: ScheduleSpec = { interval: '10m', preventDrift: true, misfire: 'skip' };
    expect(after(spec, '2026-01-01T10:03:00Z', '2026-01-01T10:35:00Z', '2026-01-01T10:03:00Z')).toBe(
      '2026-01-01T10:43:00.000Z',
    );
  });
});

describe('cron schedules without drift prevention', () => {
  it('count from the end of the run, so missed slots are never caught up', () => {
    const spec: ScheduleSpec = { cron: '0 * * * *', preventDrift: false, misfire: 'run-all' };
    expect(after(spec, '2026-01-01T10:00:00Z', '2026-01-01T12:30:00Z')).toBe('2026-01-01T13:00:00.000Z');
  });
});

describe('stopAt', () => {
  it('ends the schedule when the next slot would be after it', () => {
    const spec: ScheduleSpec = { cron: '0 * * * *', stopAt: '2026-01-01T10:30:00Z' };
    expect(after(spec, '2026-01-01T10:00:00Z', '2026-01-01T10:05:00Z')).toBeNull();
  });

  it('ends a drifting interval too', () => {
    const spec: ScheduleSpec = { every: '10 minutes', stopAt: '2026-01-01T10:15:00Z' };
    expect(after(spec, '2026-01-01T10:00:00Z', '2026-01-01T10:07:00Z')).toBeNull();
  });
});
