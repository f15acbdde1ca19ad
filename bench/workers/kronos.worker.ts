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
import { KronosRuntime } from '../../lib/kronos.runtime.js';
import type { StorageEngine } from '../../lib/storage/engine.js';
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
if (process.env.BENCH_DEBUG_ENGINE) traceEngine(app.get(KronosRuntime).engine);
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

/** Debugging aid: per engine call, count, rows and time, printed when the process ends. */
function traceEngine(engine: StorageEngine): void {
  const stats: Record<string, { calls: number; rows: number; ms: number }> = {};
  for (const name of ['claim', 'complete', 'waitForWork'] as const) {
    const original = (engine[name] as (...args: unknown[]) => Promise<unknown>).bind(engine);
    stats[name] = { calls: 0, rows: 0, ms: 0 };
    (engine as unknown as Record<string, unknown>)[name] = async (...args: unknown[]) => {
      const t = wallMs();
      const result = await original(...args);
      const s = stats[name];
      s.calls++;
      s.ms += wallMs() - t;
      s.rows += name === 'claim' ? (result as unknown[]).length : name === 'complete' ? (args[0] as unknown[]).length : 0;
      return result;
    };
  }
  process.on('exit', () => console.error('engine', JSON.stringify(stats)));
}
