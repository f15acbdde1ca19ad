import type { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { KRONOS_CLOCK, SchedulerService } from 'nestjs-kronos';
import { drain, TestClock } from 'nestjs-kronos/testing';
import { AppModule, ReportJobs } from './app.module.js';

// app.module.ts is the README's Quick start, character for character (the consumer spec checks it).
describe("the README's Quick start", () => {
  const clock = new TestClock('2026-03-28T12:00:00Z');
  let app: INestApplicationContext;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).overrideProvider(KRONOS_CLOCK).useValue(clock).compile();
    app = await moduleRef.init();
  });

  afterAll(async () => {
    await app?.close();
  });

  it('runs a queued job as the user who queued it', async () => {
    const { id } = await app.get(ReportJobs).recompute(7, { id: 42, name: 'Ada' });

    await drain(app);

    const { latestRun } = await app.get(SchedulerService).status(id);
    expect(latestRun).toMatchObject({ status: 'COMPLETED', runAs: '42', message: 'Aggregates updated' });
    expect(latestRun?.output).toContain('recomputing 7 for Ada');
  });

  it('runs the nightly report on Sunday evening in Berlin', async () => {
    clock.set('2026-03-29T21:31:00Z'); // 23:31 in Berlin (summer time began that morning)

    const { runs } = await drain(app);

    expect(runs).toContainEqual(expect.objectContaining({ job: 'nightly-report', status: 'COMPLETED' }));
  });
});
