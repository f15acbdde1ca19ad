import 'reflect-metadata';
import { Injectable, type Type } from '@nestjs/common';
import { InvalidScheduleError, JobContext, ScheduledTask, Task, type ScheduledTaskOptions } from '../../lib/index.js';
import { drain, TestClock } from '../../lib/testing/index.js';
import { describeForDialects } from '../support/databases.js';
import { bootApp, CORE_DIALECTS, freshDatabase, type TestApp } from '../support/test-app.js';

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? ms : new Date(ms).toISOString());

/** A provider with one recurring job named `job` on `spec`. */
function jobsWith(spec: ScheduledTaskOptions): Type {
  @Injectable()
  class Jobs {
    @ScheduledTask('job', spec)
    async run(ctx: JobContext) {
      return { slot: ctx.scheduledFor };
    }
  }
  return Jobs;
}

describeForDialects(
  'recurring jobs on a test clock',
  (dialect) => {
    let t: TestApp | undefined;
    let clock: TestClock;
    afterEach(async () => {
      await t?.close();
      t = undefined;
    });

    async function start(spec: ScheduledTaskOptions, at: string, timezone?: string) {
      clock = new TestClock(at);
      t = await bootApp(await freshDatabase(dialect), [jobsWith(spec)], {
        clock,
        timezone,
        worker: { pollInterval: 60_000 },
      });
      return t;
    }
    const slots = async () => (await t!.scheduler.runs({ job: 'job' })).map((r) => iso(r.scheduledFor)).reverse();
    const nextSlot = async () =>
      iso((await t!.dataSource.getRepository(Task).findOneByOrFail({ uuid: 'kronos:schedule:job' })).nextRunTime);

    it('runs a daily 02:30 Berlin job exactly once on the spring-forward day, at 03:00 local', async () => {
      await start({ every: 'day', at: '02:30', timezone: 'Europe/Berlin' }, '2026-03-28T12:00:00Z');
      expect((await drain(t!.app)).count).toBe(0);
      for (const at of [
        '2026-03-29T00:59:00Z',
        '2026-03-29T01:00:00Z',
        '2026-03-29T12:00:00Z',
        '2026-03-30T00:30:00Z',
      ]) {
        clock.set(at);
        await drain(t!.app);
      }
      expect(await slots()).toEqual(['2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z']);
    });

    it('runs a daily 02:30 Berlin job exactly once on the fall-back day', async () => {
      await start({ every: 'day', at: '02:30', timezone: 'Europe/Berlin' }, '2026-10-24T12:00:00Z');
      for (const at of ['2026-10-25T00:30:00Z', '2026-10-25T01:30:00Z', '2026-10-25T12:00:00Z']) {
        clock.set(at);
        await drain(t!.app);
      }
      expect(await slots()).toEqual(['2026-10-25T00:30:00.000Z']);
      expect(await nextSlot()).toBe('2026-10-26T01:30:00.000Z');
    });

    it('uses the module time zone when the job names none', async () => {
      await start({ every: 'day', at: '09:00' }, '2026-07-01T00:00:00Z', 'America/New_York');
      expect(await nextSlot()).toBe('2026-07-01T13:00:00.000Z');
    });

    it("misfire 'run-once' (default): one catch-up run for the latest missed slot, then back on schedule", async () => {
      await start({ cron: '0 * * * *' }, '2026-05-01T10:00:00Z');
      clock.set('2026-05-01T15:30:00Z'); // the app was down from 11:00 to 15:30
      expect((await drain(t!.app)).count).toBe(1);
      expect(await slots()).toEqual(['2026-05-01T15:00:00.000Z']);
      expect(await nextSlot()).toBe('2026-05-01T16:00:00.000Z');
    });

    it("misfire 'skip': no catch-up, the next future slot", async () => {
      await start({ cron: '0 * * * *', misfire: 'skip' }, '2026-05-01T10:00:00Z');
      clock.set('2026-05-01T15:30:00Z');
      expect((await drain(t!.app)).count).toBe(0);
      expect(await nextSlot()).toBe('2026-05-01T16:00:00.000Z');
    });

    it("misfire 'run-all': every missed slot runs, each recorded with the slot it was for", async () => {
      await start({ cron: '0 * * * *', misfire: 'run-all' }, '2026-05-01T10:00:00Z');
      clock.set('2026-05-01T15:30:00Z');
      expect((await drain(t!.app)).count).toBe(5);
      expect(await slots()).toEqual(['11', '12', '13', '14', '15'].map((h) => `2026-05-01T${h}:00:00.000Z`));
      expect(await nextSlot()).toBe('2026-05-01T16:00:00.000Z');
    });

    it('stops after `repeats` runs', async () => {
      await start({ interval: '1m', repeats: 3 }, '2026-05-01T10:00:00Z');
      for (let i = 0; i < 5; i++) {
        clock.advance('1m');
        await drain(t!.app);
      }
      expect(await slots()).toHaveLength(3);
      expect((await t!.dataSource.getRepository(Task).findOneByOrFail({ uuid: 'kronos:schedule:job' })).status).toBe(
        'COMPLETED',
      );
    });

    it('ends EXPIRED when its stop time passes before the slot is claimed', async () => {
      await start({ every: '1 hour', stopAt: '2026-05-01T11:30:00Z', preventDrift: true }, '2026-05-01T10:00:00Z');
      await t!.scheduler.deactivate('job');
      clock.set('2026-05-01T12:00:00Z');
      await drain(t!.app);
      expect((await t!.dataSource.getRepository(Task).findOneByOrFail({ uuid: 'kronos:schedule:job' })).status).toBe(
        'EXPIRED',
      );
      expect(await slots()).toEqual([]);
    });

    it('keeps an hourly cron on an absolute cadence across the New York spring-forward', async () => {
      await start({ cron: '0 * * * *', timezone: 'America/New_York' }, '2026-03-08T05:30:00Z');
      for (let i = 0; i < 4; i++) {
        clock.advance('1h');
        await drain(t!.app);
      }
      expect(await slots()).toEqual(['06', '07', '08', '09'].map((h) => `2026-03-08T${h}:00:00.000Z`));
    });
  },
  CORE_DIALECTS,
);

describeForDialects(
  'reschedule',
  (dialect) => {
    let t: TestApp | undefined;
    afterEach(async () => {
      await t?.close();
      t = undefined;
    });

    it('moves a recurring job to a new schedule, kept across restarts until reset', async () => {
      const db = await freshDatabase(dialect);
      const clock = new TestClock('2026-05-01T10:00:00Z');
      const Jobs = jobsWith({ cron: '0 * * * *' });
      t = await bootApp(db, [Jobs], { clock, worker: { pollInterval: 60_000 } });
      const info = await t.scheduler.reschedule('job', { every: 'day', at: '06:00', timezone: 'Europe/Berlin' });
      expect(info.scheduleDescription).toContain('06:00');
      expect(iso(info.nextRunTime)).toBe('2026-05-02T04:00:00.000Z');
      await t.close();
      t = await bootApp(db, [Jobs], { clock, worker: { pollInterval: 60_000 } });
      const again = (await t.scheduler.listJobs()).find((j) => j.name === 'job')!;
      expect(iso(again.nextRunTime)).toBe('2026-05-02T04:00:00.000Z');
      const reset = await t.scheduler.resetSchedule('job');
      expect(iso(reset.nextRunTime)).toBe('2026-05-01T11:00:00.000Z');
    });

    it('refuses an invalid spec, naming the job and field, and changes nothing', async () => {
      const db = await freshDatabase(dialect);
      const clock = new TestClock('2026-05-01T10:00:00Z');
      t = await bootApp(db, [jobsWith({ cron: '0 * * * *' })], { clock, worker: { pollInterval: 60_000 } });
      const before = await t.scheduler.listJobs();
      const error = await t.scheduler.reschedule('job', { every: 'day', at: '25:00' }).catch((e) => e);
      expect(error).toBeInstanceOf(InvalidScheduleError);
      expect(error.message).toMatch(/"job".*at "25:00"/);
      expect(await t.scheduler.listJobs()).toEqual(before);
    });
  },
  CORE_DIALECTS,
);

describeForDialects(
  'each grammar family, end to end',
  (dialect) => {
    let t: TestApp | undefined;
    afterEach(async () => {
      await t?.close();
      t = undefined;
    });

    @Injectable()
    class SecondsJobs {
      @ScheduledTask('family.every', { every: '1 second', preventDrift: true })
      async every(ctx: JobContext) {
        return ctx.scheduledFor;
      }

      @ScheduledTask('family.interval', { interval: '1s', preventDrift: true })
      async interval(ctx: JobContext) {
        return ctx.scheduledFor;
      }

      @ScheduledTask('family.cron', { cron: '* * * * * *' })
      async cron(ctx: JobContext) {
        return ctx.scheduledFor;
      }
    }

    it('every / interval / cron (seconds): real runs land on their slots, one second apart', async () => {
      t = await bootApp(await freshDatabase(dialect), [SecondsJobs]);
      await new Promise((r) => setTimeout(r, 4200));
      for (const job of ['family.every', 'family.interval', 'family.cron']) {
        const runs = (await t.scheduler.runs({ job, status: 'COMPLETED' })).reverse();
        expect(runs.length).toBeGreaterThanOrEqual(3);
        const slots = runs.map((r) => r.scheduledFor!);
        for (let i = 1; i < slots.length; i++) expect(slots[i] - slots[i - 1]).toBe(1000);
        for (const run of runs) expect(run.startTime - run.scheduledFor!).toBeLessThan(900);
        if (job === 'family.cron') expect(slots.every((slot) => slot % 1000 === 0)).toBe(true);
      }
    });

    function calendarJobs(spec: ScheduledTaskOptions) {
      return jobsWith(spec);
    }

    it('weekdays with at: runs on the named weekdays only, at local time', async () => {
      const clock = new TestClock('2026-05-03T12:00:00Z'); // a Sunday
      t = await bootApp(
        await freshDatabase(dialect),
        [calendarJobs({ weekdays: [1, 3], at: '08:00', timezone: 'Europe/Berlin' })],
        { clock, worker: { pollInterval: 60_000 } },
      );
      for (let day = 0; day < 8; day++) {
        clock.advance('1d');
        await drain(t.app);
      }
      const slots = (await t.scheduler.runs({ job: 'job' })).map((r) => iso(r.scheduledFor)).reverse();
      expect(slots).toEqual(['2026-05-04T06:00:00.000Z', '2026-05-06T06:00:00.000Z', '2026-05-11T06:00:00.000Z']);
    });

    it('monthdays [31]: skips months without a 31st', async () => {
      const clock = new TestClock('2026-04-01T00:00:00Z');
      t = await bootApp(await freshDatabase(dialect), [calendarJobs({ monthdays: [31], at: '02:00' })], {
        clock,
        worker: { pollInterval: 60_000 },
      });
      for (const at of [
        '2026-04-30T12:00:00Z',
        '2026-05-01T00:00:00Z',
        '2026-05-31T12:00:00Z',
        '2026-06-30T12:00:00Z',
        '2026-07-31T12:00:00Z',
      ]) {
        clock.set(at);
        await drain(t.app);
      }
      const slots = (await t.scheduler.runs({ job: 'job' })).map((r) => iso(r.scheduledFor)).reverse();
      expect(slots).toEqual(['2026-05-31T02:00:00.000Z', '2026-07-31T02:00:00.000Z']);
    });
  },
  CORE_DIALECTS,
);
