import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Test, type TestingModule } from '@nestjs/testing';
import { KRONOS_CLOCK } from 'nestjs-kronos';
import { drain, TestClock } from 'nestjs-kronos/testing';
import { AppModule, ReportsService } from './app.module.js';

describe('the weekly report', () => {
  const clock = new TestClock('2026-03-28T12:00:00Z'); // a Saturday
  let app: TestingModule;

  beforeAll(async () => {
    // A database of this test file's own: test files may run in parallel.
    process.env.DATABASE_FILE = join(mkdtempSync(join(tmpdir(), 'reports-test-')), 'test.db');
    app = await Test.createTestingModule({ imports: [AppModule] })
      .overrideProvider(KRONOS_CLOCK)
      .useValue(clock)
      .compile();
    await app.init(); // Kronos syncs its jobs and starts its worker here
  });

  afterAll(async () => {
    await app?.close();
  });

  it('is not sent before Monday', async () => {
    expect(await drain(app)).toEqual({ count: 0, runs: [] });
  });

  it('is sent on Monday at 08:00 in Berlin', async () => {
    clock.advance('7d');

    const report = await drain(app);

    expect(report.runs).toEqual([{ taskId: expect.any(Number), job: 'weekly-report', status: 'COMPLETED', attempt: 1 }]);
    expect(app.get(ReportsService).sent).toEqual(['weekly report for 2026-03-30T06:00:00.000Z']);
  });
});
