import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { KRONOS_CLOCK, SchedulerService } from 'nestjs-kronos';
import { drain, TestClock } from 'nestjs-kronos/testing';
import { AppModule } from '../src/app.module';
import { ReportJobs } from '../src/reports.jobs';
import { UsersService } from '../src/users.service';

describe('the application with Kronos (CommonJS)', () => {
  // A Saturday: the next weekly digest is Monday 08:00 in Berlin.
  const clock = new TestClock('2026-03-28T12:00:00Z');
  let app: INestApplicationContext;

  before(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).overrideProvider(KRONOS_CLOCK).useValue(clock).compile();
    app = await moduleRef.init();
  });

  after(async () => {
    await app?.close();
  });

  it('runs a recount as the user who asked for it', async () => {
    const ada = app.get(UsersService).resolveUser('42')!;
    const { id } = await app.get(ReportJobs).requestRecount(ada, 5);

    const report = await drain(app);

    assert.ok(report.runs.some((run) => run.taskId === id && run.job === 'lists.recount' && run.status === 'COMPLETED'), JSON.stringify(report));
    const { latestRun } = await app.get(SchedulerService).status(id);
    assert.equal(latestRun?.runAs, '42');
    assert.deepEqual(JSON.parse(latestRun?.result ?? 'null'), { listId: 5, recountedFor: 'Ada' });
  });

  it('sends the weekly digest once when the clock passes Monday 08:00', async () => {
    assert.deepEqual((await drain(app)).runs.filter((run) => run.job === 'weekly-digest'), []);

    clock.advance('3d'); // Tuesday

    const digests = (await drain(app)).runs.filter((run) => run.job === 'weekly-digest');
    assert.deepEqual(digests.map((run) => run.status), ['COMPLETED']);
    const [run] = await app.get(SchedulerService).runs({ job: 'weekly-digest' });
    assert.deepEqual(JSON.parse(run?.result ?? 'null'), { digestFor: '2026-03-30T06:00:00.000Z' });
  });
});
