import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Logger, LoggerModule } from 'nestjs-pino';
import { Writable } from 'node:stream';
import { Job, OnTaskEvent, SchedulerModule, SchedulerService, type TaskEvent } from '../../lib/index.js';
import { describeForDialects } from '../support/databases.js';
import { FAST_WORKER, freshDatabase, waitFor, waitForTask } from '../support/test-app.js';

/** What pino wrote, one parsed JSON object per line. */
const lines: Record<string, any>[] = [];
const sink = new Writable({
  write(chunk, _encoding, done) {
    for (const line of String(chunk).split('\n')) if (line.trim()) lines.push(JSON.parse(line));
    done();
  },
});

@Injectable()
class PaymentJobs {
  @Job('payments.capture', { retries: 1 })
  async capture(payload: { card: string }) {
    throw new Error(`card ${payload.card} declined`);
  }
}

@Injectable()
class BrokenAlert {
  @OnTaskEvent('failed')
  alert(_event: TaskEvent) {
    throw new Error('pager unreachable');
  }
}

const kronosLines = (taskId: number) => lines.filter((line) => line.context === 'Kronos' && line.taskId === taskId);

describeForDialects('structured logs through nestjs-pino', (dialect) => {
  let app: Awaited<ReturnType<typeof NestFactory.createApplicationContext>>;
  let scheduler: SchedulerService;

  beforeAll(async () => {
    lines.length = 0; // task ids start again at 1 on each database
    const db = await freshDatabase(dialect);
    @Module({
      imports: [
        LoggerModule.forRoot({ pinoHttp: [{ level: 'info' }, sink] }),
        TypeOrmModule.forRoot({ ...db.options, autoLoadEntities: true, synchronize: false }),
        SchedulerModule.forRoot({
          worker: { ...FAST_WORKER },
          retryBackoff: 30,
          impersonation: { resolveUser: (id) => ({ id }) },
        }),
      ],
      providers: [PaymentJobs, BrokenAlert],
    })
    class PinoAppModule {}
    app = await NestFactory.createApplicationContext(PinoAppModule, { bufferLogs: true, abortOnError: false });
    app.useLogger(app.get(Logger));
    await app.init();
    scheduler = app.get(SchedulerService);
  });
  afterAll(() => app?.close());

  it('a failing run is one JSON line per attempt with its job, task, run, attempt and user as fields, and the error', async () => {
    const { id } = await scheduler.enqueue('payments.capture', { card: '4242' }, { runAs: 7 });
    await waitForTask(scheduler, id, ['FAILED']);
    const [retrying, failed] = await waitFor(
      () => {
        const found = kronosLines(id).filter((line) => line.runId !== undefined && line.listener === undefined);
        return found.length >= 2 ? found : null;
      },
      5000,
      'two log lines of the failing task',
    );
    const runs = (await scheduler.runs({ taskId: id })).reverse();

    expect(retrying).toMatchObject({
      level: 40,
      context: 'Kronos',
      job: 'payments.capture',
      taskId: id,
      runId: runs[0].id,
      attempt: 1,
      userId: '7',
      worker: runs[0].worker,
      runStatus: 'FAILED',
      status: 'QUEUED',
      retryDelayMs: expect.any(Number),
      msg: expect.stringMatching(
        new RegExp(`^Task ${id} \\(payments\\.capture\\) attempt 1 failed, retrying in \\d+ ms: card 4242 declined$`),
      ),
    });
    expect(retrying.err).toMatchObject({
      message: 'card 4242 declined',
      stack: expect.stringContaining('Error: card 4242 declined'),
    });
    expect(failed).toMatchObject({
      level: 50,
      context: 'Kronos',
      job: 'payments.capture',
      taskId: id,
      runId: runs[1].id,
      attempt: 2,
      userId: '7',
      runStatus: 'FAILED',
      status: 'FAILED',
      msg: `Task ${id} (payments.capture) attempt 2 failed, no retry left: card 4242 declined`,
    });
  });

  it("a listener that throws is logged with the event it failed on and the task's fields", async () => {
    const { id } = await scheduler.enqueue('payments.capture', { card: '5555' }, { runAs: 'alice' });
    await waitForTask(scheduler, id, ['FAILED']);
    const line = await waitFor(
      () => kronosLines(id).find((l) => l.listener !== undefined),
      5000,
      'the listener failure line',
    );
    const { latestRun } = await scheduler.status(id);
    expect(line).toMatchObject({
      level: 50,
      context: 'Kronos',
      job: 'payments.capture',
      taskId: id,
      runId: latestRun!.id,
      attempt: 2,
      userId: 'alice',
      event: 'failed',
      listener: 'BrokenAlert.alert',
      err: { message: 'pager unreachable' },
      msg: `Task event listener BrokenAlert.alert failed on "failed" of task ${id} (payments.capture): pager unreachable`,
    });
  });

  it('every line Kronos writes carries the context Kronos and a text message', () => {
    const kronos = lines.filter((line) => line.context === 'Kronos');
    expect(kronos.some((line) => /^Worker .* started/.test(line.msg))).toBe(true);
    for (const line of kronos) expect(typeof line.msg).toBe('string');
  });
});
