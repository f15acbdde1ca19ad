/**
 * A Kronos worker embedded in an application: a Nest application context of `BenchWorkerModule`
 * (kronos.app.ts), started with Node's default flags like any application.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { SchedulerService } from '../../lib/index.js';
import { probe, serve, spec } from '../support/probe.js';
import { sleep, wallMs } from '../support/stats.js';
import { BenchWorkerModule } from './kronos.app.js';

const app = await NestFactory.createApplicationContext(BenchWorkerModule, { logger: ['error', 'warn'] });
serve(() => app.close());

// The embedded default: the application enqueues into its own worker, one task at a time.
const self = spec.selfEnqueue;
if (self) {
  const scheduler = app.get(SchedulerService);
  const enqueued = probe.enqueued!;
  const gap = 1000 / self.ratePerSec;
  for (let i = 0; i < self.warmup; i++) {
    await scheduler.enqueue('bench.noop', { n: self.count + i });
    await sleep(gap);
  }
  await sleep(1000);
  const t0 = wallMs();
  for (let n = 0; n < self.count; n++) {
    await sleep(t0 + n * gap - wallMs());
    enqueued[n] = wallMs();
    await scheduler.enqueue('bench.noop', { n });
  }
}
