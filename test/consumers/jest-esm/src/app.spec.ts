import type { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { KRONOS_CLOCK, SchedulerService } from 'nestjs-kronos';
import { drain, TestClock } from 'nestjs-kronos/testing';
import { AppModule } from './app.module.js';
import { ReportJobs } from './reports.jobs.js';
import { UsersService } from './users.service.js';

describe('the application with Kronos (jest, ESM)', () => {
  // A Saturday: the next weekly digest is Monday 08:00 in Berlin.
  const clock = new TestClock('2026-03-28T12:00:00Z');
  let app: INestApplicationContext;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
      .overrideProvider(KRONOS_CLOCK)
      .useValue(clock)
      .compile();
    app = await moduleRef.init();
  });

  afterAll(async () => {
    await app?.close();
  });

  it('runs a recount as the user who asked for it', async () => {
    const ada = app.get(UsersService).resolveUser('42')!;
    const { id } = await app.get(ReportJobs).requestRecount(ada, 5);

    const report = await drain(app);

    expect(report.runs).toContainEqual(expect.objectContaining({ taskId: id, job: 'lists.recount', status: 'COMPLETED' }));
    const { latestRun } = await app.get(SchedulerService).status(id);
    expect(latestRun?.runAs).toBe('42');
    expect(JSON.parse(latestRun?.result ?? 'null')).toEqual({ listId: 5, recountedFor: 'Ada' });
  });

  it('sends the weekly digest once when the clock passes Monday 08:00', async () => {
    expect((await drain(app)).runs.filter((run) => run.job === 'weekly-digest')).toEqual([]);

    clock.advance('3d'); // Tuesday

    const report = await drain(app);
    const digests = report.runs.filter((run) => run.job === 'weekly-digest');
    expect(digests).toEqual([expect.objectContaining({ status: 'COMPLETED' })]);
    const [run] = await app.get(SchedulerService).runs({ job: 'weekly-digest' });
    expect(JSON.parse(run?.result ?? 'null')).toEqual({ digestFor: '2026-03-30T06:00:00.000Z' });
  });
});
