/**
 * A Kronos worker process: a Nest application context with TypeORM and SchedulerModule, one
 * no-op `@Job` that records its task number. `settings.worker` is passed to `forRoot` as is, so
 * `{}` measures the library's defaults.
 */
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Job, SchedulerModule, SchedulerService } from '../../lib/index.js';
import { probe, serve, spec } from '../support/probe.js';
import { sleep, wallMs } from '../support/stats.js';

@Injectable()
class BenchJobs {
  @Job('bench.noop')
  noop(payload: { n: number }) {
    probe.record(payload.n);
  }
}

@Module({
  imports: [
    TypeOrmModule.forRoot({ ...spec.settings.dataSource, autoLoadEntities: true, synchronize: false }),
    SchedulerModule.forRoot({ worker: spec.settings.worker ?? {} }),
  ],
  providers: [BenchJobs],
})
class BenchWorkerModule {}

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

