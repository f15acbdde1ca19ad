import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { metrics } from '@opentelemetry/api';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SchedulerService } from '../../lib/index.js';
import { TMP_ENV } from '../support/settings.js';
import { waitFor, waitForTask } from '../support/test-app.js';

/** The sample app's /metrics, /health and failure alerts, as `npm start` serves them, on a scratch SQLite file. */
describe('the sample app: metrics, health and failure alerts over HTTP', () => {
  let app: INestApplication;
  let url: string;
  let shutdownMetrics: () => Promise<void>;

  beforeAll(async () => {
    process.env.KRONOS_SAMPLE_DB = join(
      mkdtempSync(join(process.env[TMP_ENV] || tmpdir(), 'kronos-sample-')),
      'sample.db',
    );
    const telemetry = await import('../../sample/observability/telemetry.js'); // what main.ts imports first
    shutdownMetrics = () => telemetry.meterProvider.shutdown();
    const { AppModule } = await import('../../sample/app.module.js');
    app = await NestFactory.create(AppModule, { logger: false, abortOnError: false });
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await app?.close();
    await shutdownMetrics?.();
    metrics.disable();
  });

  it('GET /metrics is a Prometheus scrape with the runs of each job and the backlog gauges', async () => {
    const scheduler = app.get(SchedulerService);
    await waitForTask(scheduler, (await scheduler.enqueue('notify.owner', { recordId: 1, value: 5 })).id, [
      'COMPLETED',
    ]);
    await scheduler.enqueue('records.cleanup', undefined, { delay: '1h' });
    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const lines = (await response.text()).split('\n');
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^kronos_runs_total\{kronos_job="notify\.owner",kronos_group="main",kronos_run_status="COMPLETED"[^}]*\} [1-9]/,
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^kronos_run_duration_count\{kronos_job="notify\.owner"[^}]*\} [1-9]/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^kronos_tasks_queued\{kronos_job="records\.cleanup",kronos_group="main"[^}]*\} [1-9]/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^kronos_worker_heartbeats_total\{kronos_worker="[^"]+"[^}]*\} [1-9]/),
    );
  });

  it('GET /health is 200 with the database, the worker and the backlog up', async () => {
    const response = await fetch(`${url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      status: 'ok',
      info: {
        database: { status: 'up', responseTimeMs: expect.any(Number) },
        worker: { status: 'up', state: 'claiming' },
        backlog: { status: 'up', maxWaitMs: 60_000 },
      },
    });
  });

  it('a task that fails for good raises a failure alert (@OnTaskEvent("failed")), shown at GET /alerts', async () => {
    const scheduler = app.get(SchedulerService);
    const { id } = await scheduler.enqueue('notify.owner', { recordId: 7, value: 99 });
    await waitForTask(scheduler, id, ['FAILED'], 15_000);
    const alert = await waitFor(
      async () => {
        const alerts = (await (await fetch(`${url}/alerts`)).json()) as { taskId: number }[];
        return alerts.find((a) => a.taskId === id);
      },
      5000,
      `the alert of task ${id}`,
    );
    expect(alert).toMatchObject({
      job: 'notify.owner',
      taskId: id,
      attempt: 2,
      userId: null,
      error: 'mail server refused the message about record 7',
    });
  });
});
