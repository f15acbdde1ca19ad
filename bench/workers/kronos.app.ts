/**
 * The Kronos application of the benchmark's worker processes: TypeORM and SchedulerModule, one
 * no-op `@Job` that records its task number. `settings.worker` is passed to `forRoot` as is, so
 * `{}` measures the library's defaults; `settings.job`, when set, is the job's options.
 *
 * Two ways to run it: `kronos.worker.ts` boots it inside a Nest application context of its own
 * (a worker embedded in an application), and the `kronos worker` command boots it by name
 * (`--app kronos.app.js#BenchWorkerModule`), started as the service files Kronos writes start it.
 */
import 'reflect-metadata';
import { Injectable, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Job, SchedulerModule } from '../../lib/index.js';
import { probe, serve, spec } from '../support/probe.js';
import { VIA_CLI } from '../support/protocol.js';

@Injectable()
class BenchJobs implements OnApplicationBootstrap {
  @Job('bench.noop', spec.settings.job ?? {})
  noop(payload: { n: number }) {
    probe.record(payload.n);
  }

  /** Under `kronos worker`, the command owns the process: a stop request becomes its SIGTERM. */
  onApplicationBootstrap(): void {
    if (process.env[VIA_CLI]) {
      serve(() => {
        process.kill(process.pid, 'SIGTERM');
        return new Promise<void>(() => undefined); // the command drains the worker and exits
      });
    }
  }
}

@Module({
  imports: [
    TypeOrmModule.forRoot({ ...spec.settings.dataSource, autoLoadEntities: true, synchronize: false }),
    SchedulerModule.forRoot({
      worker: spec.settings.worker ?? {},
      // PgBouncer runs: { pooling: 'transaction', listenConnection }
      ...(spec.settings.postgres ? { postgres: spec.settings.postgres } : {}),
    }),
  ],
  providers: [BenchJobs],
})
export class BenchWorkerModule {}
