import { Controller, Get, Req, Res } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KronosHealthIndicator } from '../../lib/terminus/index.js';
import { prometheus } from './telemetry.js';

/** GET /metrics for Prometheus, GET /health for a readiness probe. */
@Controller()
export class ObservabilityController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly kronos: KronosHealthIndicator,
  ) {}

  /** Prometheus' text format: kronos_runs_total, kronos_run_duration_bucket, kronos_tasks_queued, ... */
  @Get('metrics')
  metrics(@Req() request: IncomingMessage, @Res() response: ServerResponse): void {
    prometheus.getMetricsRequestHandler(request, response);
  }

  /** 200 while the database answers, the worker heartbeats and no due task waited a minute; 503 otherwise. */
  @Get('health')
  @HealthCheck()
  check() {
    return this.health.check([
      () => this.kronos.database('database'),
      () => this.kronos.worker('worker'),
      () => this.kronos.backlog('backlog', { maxWait: '1m' }),
    ]);
  }
}
