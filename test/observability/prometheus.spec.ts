import 'reflect-metadata';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Injectable } from '@nestjs/common';
import { metrics } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { Job } from '../../lib/index.js';
import { bootApp, freshDatabase, waitForTask, type TestApp } from '../support/test-app.js';

@Injectable()
class ScrapedJobs {
  @Job('prom.ok')
  async ok() {}

  @Job('prom.fails')
  async fails() {
    throw new Error('no');
  }
}

describe('Kronos metrics scraped by Prometheus over HTTP (the OpenTelemetry Prometheus exporter)', () => {
  let t: TestApp;
  let server: Server;
  let meterProvider: MeterProvider;
  let url: string;

  beforeAll(async () => {
    const exporter = new PrometheusExporter({ preventServerStart: true });
    meterProvider = new MeterProvider({ readers: [exporter] });
    metrics.setGlobalMeterProvider(meterProvider);
    server = createServer((request, response) => exporter.getMetricsRequestHandler(request, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
    t = await bootApp(await freshDatabase('sqlite'), [ScrapedJobs]);
  });
  afterAll(async () => {
    await t?.close();
    await new Promise((resolve) => server.close(resolve));
    await meterProvider.shutdown();
    metrics.disable();
  });

  it('shows runs by job and status, the histograms, heartbeats and the backlog gauges', async () => {
    await waitForTask(t.scheduler, (await t.scheduler.enqueue('prom.ok')).id, ['COMPLETED']);
    await waitForTask(t.scheduler, (await t.scheduler.enqueue('prom.fails')).id, ['FAILED']);
    await t.scheduler.enqueue('prom.ok', undefined, { delay: '1h' });
    const response = await fetch(url);
    expect(response.status).toBe(200);
    const text = await response.text();
    const line = (pattern: RegExp) => text.split('\n').find((l) => pattern.test(l));
    expect(line(/^kronos_runs_total\{.*kronos_job="prom\.ok".*kronos_run_status="COMPLETED".*\} 1$/)).toBeDefined();
    expect(line(/^kronos_runs_total\{.*kronos_job="prom\.fails".*kronos_run_status="FAILED".*\} 1$/)).toBeDefined();
    expect(line(/^kronos_run_duration_count\{.*kronos_job="prom\.ok".*\} 1$/)).toBeDefined();
    expect(line(/^kronos_task_wait_time_bucket\{.*kronos_job="prom\.ok".*le="0\.005"\}/)).toBeDefined(); // buckets in seconds
    expect(line(/^kronos_worker_heartbeats_total\{kronos_worker="[^"]+"[^}]*\} [1-9]/)).toBeDefined();
    expect(line(/^kronos_tasks_queued\{kronos_job="prom\.ok",kronos_group="main"[^}]*\} 1$/)).toBeDefined();
    expect(line(/^kronos_tasks_running\{kronos_job="prom\.fails",kronos_group="main"[^}]*\} 0$/)).toBeDefined();
  });
});
